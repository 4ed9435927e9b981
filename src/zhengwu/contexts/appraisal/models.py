"""The third-party appraisal's tables: units, indicator systems, rounds, the sample, responses,
problems and tickets, results, accountability and reports.

Raw responses and respondents (``FrameEntry``, ``Invitation``, ``Response``, ``Problem``) are
the evaluator's alone (管评分离); units and leaders read only what ``selectors`` derive from them.
"""

from __future__ import annotations

from django.db import models


class Unit(models.Model):
    """A government service unit under appraisal (评价对象)."""

    class Kind(models.TextChoices):
        CENTRE = "centre", "政务服务中心"
        DEPARTMENT = "department", "审批部门"

    class Level(models.TextChoices):
        CITY = "city", "市级"
        COUNTY = "county", "县（市、区）级"
        STREET = "street", "街道（乡镇）级"

    code = models.CharField("编号", max_length=20, unique=True)
    name = models.CharField("名称", max_length=100, unique=True)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    level = models.CharField("层级", max_length=10, choices=Level.choices, default=Level.CITY)
    region_code = models.CharField("行政区划", max_length=6, blank=True)
    district = models.CharField("所在区县", max_length=40, blank=True)
    active = models.BooleanField("参评", default=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("kind", "code")

    def __str__(self) -> str:
        return self.name


class UnitMember(models.Model):
    """A user who speaks for a unit (its head or liaison): sees its aggregates and answers its tickets."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="members")
    user_id = models.BigIntegerField(unique=True)
    username = models.CharField(max_length=150)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.username} → {self.unit_id}"


class IndicatorSystem(models.Model):
    """One version of the indicator system: categories → indicators → items, weights and scoring map.

    ``definition`` is the canonical form read by ``system.system_from_dict``; a version a round
    has used is frozen and never changes (a new import makes a new version).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        FROZEN = "frozen", "已冻结"

    code = models.CharField(max_length=40)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    definition = models.JSONField()
    digest = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150)

    class Meta:
        ordering = ("code", "-version")
        constraints = (models.UniqueConstraint(fields=["code", "version"], name="appraisal_system_version_unique"),)

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"


class Round(models.Model):
    """A quarterly round (e.g. 2026Q3): the system version, the units, the frame and the sample design."""

    class Status(models.TextChoices):
        DESIGN = "design", "设计中"
        COLLECTING = "collecting", "调查中"
        CLOSED = "closed", "调查结束"
        SCORED = "scored", "已计分（待复核）"
        PUBLISHED = "published", "已发布"

    code = models.CharField(max_length=20, unique=True)
    title = models.CharField(max_length=200)
    period_start = models.DateField()
    period_end = models.DateField()
    system = models.ForeignKey(IndicatorSystem, on_delete=models.PROTECT, related_name="rounds")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DESIGN)
    # Sample design: n per unit for a margin of error ±margin points on the 100-point scale at
    # confidence z, assuming a standard deviation of assumed_sd (appraisal-methods.md §2.5).
    margin = models.FloatField(default=5.0)
    assumed_sd = models.FloatField(default=20.0)
    z = models.FloatField(default=1.96)
    min_per_unit = models.PositiveIntegerField(default=30)
    reserve_ratio = models.FloatField(default=0.5)
    seed = models.BigIntegerField(default=0)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ("-period_start",)

    def __str__(self) -> str:
        return self.code


class RoundUnit(models.Model):
    """A unit in a round with its stratum: frame size, target sample and quotas."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="round_units")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="round_units")
    frame_size = models.PositiveIntegerField(default=0)
    target_n = models.PositiveIntegerField(default=0)
    reserve_n = models.PositiveIntegerField(default=0)
    quotas = models.JSONField(default=dict)  # {"matter_type": {"投资项目": 20, ...}}
    drawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("unit__kind", "unit__code")
        constraints = (models.UniqueConstraint(fields=["round", "unit"], name="appraisal_round_unit_unique"),)

    def __str__(self) -> str:
        return f"{self.round_id}/{self.unit_id}"


class FrameEntry(models.Model):
    """An enterprise that dealt with a unit in the round's period (the sampling frame)."""

    class Source(models.TextChoices):
        IMPORT = "import", "导入办件名单"
        TRADING = "trading", "交易平台注册企业"

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="frame")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    uscc = models.CharField(max_length=18)
    enterprise_name = models.CharField(max_length=200)
    contact_name = models.CharField(max_length=50, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    email = models.CharField(max_length=200, blank=True)
    matter_type = models.CharField(max_length=50, blank=True)
    size = models.CharField(max_length=20, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.IMPORT)
    created_at = models.DateTimeField()

    class Meta:
        constraints = (models.UniqueConstraint(fields=["round", "unit", "uscc"], name="appraisal_frame_unique"),)

    def __str__(self) -> str:
        return self.enterprise_name


class Invitation(models.Model):
    """A sampled enterprise's unique invitation (main sample or reserve)."""

    class Status(models.TextChoices):
        DRAWN = "drawn", "已抽取"
        SENT = "sent", "已发送"
        OPENED = "opened", "已打开"
        COMPLETED = "completed", "已完成"
        REFUSED = "refused", "拒访"
        UNREACHABLE = "unreachable", "无法联系"

    class Channel(models.TextChoices):
        SMS = "sms", "短信"
        EMAIL = "email", "电子邮件"
        CATI = "cati", "电话访问"

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="invitations")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    frame_entry = models.OneToOneField(FrameEntry, on_delete=models.PROTECT, related_name="invitation")
    token = models.CharField(max_length=64, unique=True)
    reserve = models.BooleanField(default=False)
    released = models.BooleanField(default=True)  # a reserve is released when a main invitation fails
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.SMS)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAWN)
    interviewer_username = models.CharField(max_length=150, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"邀请 {self.pk}"


class DeliveredMessage(models.Model):
    """What the local delivery channel 'sent' (an SMS or e-mail gateway is a plug-in)."""

    channel = models.CharField(max_length=10)
    recipient = models.CharField(max_length=200)
    body = models.TextField()
    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, null=True, related_name="messages")
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.channel} → {self.recipient}"


class Response(models.Model):
    """One completed questionnaire about one unit: answers, client timings and QC state."""

    class Mode(models.TextChoices):
        WEB = "web", "网络自填"
        CATI = "cati", "电话访问"

    class Qc(models.TextChoices):
        CLEAN = "clean", "通过"
        FLAGGED = "flagged", "待复核"
        ACCEPTED = "accepted", "复核采纳"
        REJECTED = "rejected", "复核剔除"

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="responses")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    invitation = models.OneToOneField(Invitation, on_delete=models.PROTECT, null=True, related_name="response")
    instance_id = models.CharField(max_length=64, unique=True)
    mode = models.CharField(max_length=5, choices=Mode.choices, default=Mode.WEB)
    interviewer_username = models.CharField(max_length=150, blank=True)
    respondent_uscc = models.CharField(max_length=18)
    respondent_name = models.CharField(max_length=200, blank=True)
    # HMAC of the USCC under the deployment's key: analysis and QC compare these, never the code.
    respondent_key = models.CharField(max_length=64, db_index=True)
    uscc_valid = models.BooleanField(default=False)
    frame_match = models.BooleanField(default=False)
    answers = models.JSONField()  # {item name: "1".."5" | "na" | "yes"/"no" | text}
    timings = models.JSONField(default=dict)  # {item name: milliseconds the respondent spent on it}
    duration_ms = models.PositiveIntegerField(default=0)
    content_hash = models.CharField(max_length=64)
    started_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField()
    qc_status = models.CharField(max_length=10, choices=Qc.choices, default=Qc.CLEAN)
    qc_flags = models.JSONField(default=list)  # [{"code": "speeding", "detail": {...}}]
    reviewed_by = models.CharField(max_length=150, blank=True)
    review_note = models.TextField(blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = (models.Index(fields=["round", "unit"], name="appraisal_resp_round_unit"),)

    def __str__(self) -> str:
        return self.instance_id


class Problem(models.Model):
    """A problem a respondent raised in free text, about a unit and a topic (an indicator category)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="problems")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="problems")
    text = models.TextField()
    category_code = models.CharField(max_length=20, blank=True)
    classified_by = models.CharField(max_length=20, default="respondent")  # respondent | rule | appraiser
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.text[:30]


class Ticket(models.Model):
    """A feedback ticket: a problem sent to its unit for rectification, with a working-day deadline."""

    class Status(models.TextChoices):
        OPEN = "open", "待整改"
        REPLIED = "replied", "已反馈待核实"
        CLOSED = "closed", "已办结"
        REOPENED = "reopened", "退回重办"

    number = models.CharField(max_length=30, unique=True)
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="tickets")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="tickets")
    problem = models.OneToOneField(Problem, on_delete=models.PROTECT, null=True, related_name="ticket")
    category_code = models.CharField(max_length=20, blank=True)
    # What the unit reads: the problem as the evaluator worded it, with nothing that names the respondent.
    summary = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    deadline = models.DateField()
    escalation_level = models.PositiveSmallIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)
    reply = models.TextField(blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    replied_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("deadline", "number")

    def __str__(self) -> str:
        return self.number


class TicketEvent(models.Model):
    """One step in a ticket's life, shown to the unit and the evaluator."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    action = models.CharField(max_length=20)  # created | replied | closed | reopened | escalated
    note = models.TextField(blank=True)

    class Meta:
        ordering = ("at", "id")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.action}"


class ObjectiveValue(models.Model):
    """A data-fed indicator's value for a unit in a round (e.g. average processing days)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="objective_values")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    indicator_code = models.CharField(max_length=20)
    value = models.FloatField()
    source = models.CharField(max_length=200, blank=True)
    entered_by = models.CharField(max_length=150)
    entered_at = models.DateTimeField()

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["round", "unit", "indicator_code"], name="appraisal_objective_unique"),
        )

    def __str__(self) -> str:
        return f"{self.unit_id} {self.indicator_code} = {self.value}"


class RoundResult(models.Model):
    """A round's computed results as a whole: the city score, reliability and how they were computed."""

    round = models.OneToOneField(Round, on_delete=models.CASCADE, related_name="result")
    city_score = models.FloatField()
    city_ci_low = models.FloatField()
    city_ci_high = models.FloatField()
    previous_city_score = models.FloatField(null=True)
    responses_used = models.PositiveIntegerField()
    responses_excluded = models.PositiveIntegerField()
    bootstrap = models.PositiveIntegerField()
    seed = models.BigIntegerField()
    reliability = models.JSONField(default=dict)  # {category code: {"alpha": .., "k": .., "n": ..}}
    details = models.JSONField(default=dict)  # scoring map, aggregation choices, anything else stated
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.round_id}: {self.city_score:.2f}"


class UnitScore(models.Model):
    """A unit's result in a round: score, rank within its kind and the uncertainty around both."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="unit_scores")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="scores")
    kind = models.CharField(max_length=20)
    n = models.PositiveIntegerField()
    total = models.FloatField()
    ci_low = models.FloatField()
    ci_high = models.FloatField()
    rank = models.PositiveIntegerField()  # within its kind; 1 = best
    of = models.PositiveIntegerField()  # units ranked in its kind
    median_rank = models.FloatField()
    rank_low = models.PositiveIntegerField()  # 90 % bootstrap rank interval
    rank_high = models.PositiveIntegerField()
    p_last = models.FloatField()
    p_bottom3 = models.FloatField()
    satisfaction_rate = models.FloatField()  # share of 4–5 answers (满意率)
    negative_rate = models.FloatField()  # share of 1–2 answers (差评率)
    previous_total = models.FloatField(null=True)
    change = models.FloatField(null=True)
    change_p = models.FloatField(null=True)
    change_significant = models.BooleanField(default=False)
    categories = models.JSONField(default=dict)  # {code: {"score": .., "n": ..}}
    indicators = models.JSONField(default=dict)  # {code: {"score": .., "n": ..}}

    class Meta:
        ordering = ("kind", "rank")
        constraints = (models.UniqueConstraint(fields=["round", "unit"], name="appraisal_unit_score_unique"),)

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.total:.2f}"


class HarmFlag(models.Model):
    """An authorised official's finding that a unit's delays seriously harmed key investment projects."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="harm_flags")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    evidence = models.TextField()
    entered_by = models.CharField(max_length=150)
    entered_at = models.DateTimeField()

    class Meta:
        constraints = (models.UniqueConstraint(fields=["round", "unit"], name="appraisal_harm_flag_unique"),)

    def __str__(self) -> str:
        return f"{self.round_id}/{self.unit_id}"


class AccountabilityOutcome(models.Model):
    """A rule's outcome for a unit at the end of a round, with the statistical caveat beside it."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="outcomes")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    rule = models.CharField(max_length=40)
    outcome = models.CharField(max_length=200)
    distinguishable = models.BooleanField(default=True)
    note = models.TextField(blank=True)
    details = models.JSONField(default=dict)
    created_at = models.DateTimeField()

    class Meta:
        constraints = (models.UniqueConstraint(fields=["round", "unit", "rule"], name="appraisal_outcome_unique"),)

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.outcome}"


class ReportFile(models.Model):
    """A rendered quarterly report: 《政务要情参阅》 (unit empty) or a unit's 《一把手必读》."""

    class Kind(models.TextChoices):
        LEADERS = "leaders", "政务要情参阅"
        UNIT = "unit", "一把手必读"

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, related_name="+")
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150)

    class Meta:
        constraints = (models.UniqueConstraint(fields=["round", "kind", "unit"], name="appraisal_report_unique"),)

    def __str__(self) -> str:
        return f"{self.kind} {self.round_id}/{self.unit_id}"
