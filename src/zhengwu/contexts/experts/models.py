"""The expert pool (专家库): experts, their specialties, conflicts, unavailability and assignments.

Fields follow the data standard's dataset 212 ``EXPERT_BID_EVALUATION`` (213 for government
procurement's 评审专家): ``EXPERT_NAME``, ``ID_CARD``, ``SEX``, ``BIRTHDAY``, ``PROFESSIONAL``,
``EDUCATION``, ``COMPANY``, ``AREA``, ``WORK_YEAR``, ``PHONE_NUMBER``, ``DMISSON`` (是否可用: the
status here), ``ENTER_DATE``, ``BASE_TYPE``, ``MAJOR_CODE`` and ``IS_MAIN`` (one row per specialty).

Personal data. The 公民身份号码 is never stored in clear: ``id_card_masked`` is what people see,
``id_card_digest`` (a keyed HMAC) finds duplicates, and ``id_card_sealed`` (AES-256-GCM under a
key derived from SECRET_KEY, the expert's uuid as associated data) keeps the number for the
upward push of dataset 212, readable only by code that asks ``personal.id_card_open``.

The expert's account belongs to the identity context: it is referred to by id and a copy of its
username (never a foreign key into another context's tables).
"""

from __future__ import annotations

from django.db import models

from zhengwu.kernel.ids import id_new

TITLE_LEVEL_LABELS: dict[str, str] = {
    "full_senior": "正高级",
    "senior": "高级",
    "intermediate": "中级",
    "junior": "初级",
}
# 招标投标法 第三十七条: "高级职称或者具有同等专业水平" — the levels that count as 高级.
SENIOR_TITLE_LEVELS = frozenset({"full_senior", "senior"})

BASE_TYPE_LABELS: dict[str, str] = {
    "comprehensive": "综合评标专家库",
    "procurement": "政府采购评审专家库",
}

EXPERT_STATUS_LABELS: dict[str, str] = {"active": "在库", "suspended": "暂停", "retired": "已出库"}

RELATION_LABELS: dict[str, str] = {
    "employment": "任职/劳动关系",
    "directorship": "担任董事、监事或高级管理人员",
    "kinship": "近亲属关系",
    "other": "其他利害关系",
}

ASSIGNMENT_ROLE_LABELS: dict[str, str] = {"member": "评标委员会成员", "leader": "组长", "reserve": "候补"}
ASSIGNMENT_STATUS_LABELS: dict[str, str] = {
    "notified": "已通知",
    "accepted": "已确认参加",
    "declined": "已拒绝",
    "replaced": "已替换",
    "completed": "已完成",
}


class Expert(models.Model):
    """One person in the pool (评标专家/评审专家)."""

    class Status(models.TextChoices):
        ACTIVE = "active", "在库"
        SUSPENDED = "suspended", "暂停"
        RETIRED = "retired", "已出库"

    uuid = models.UUIDField(unique=True, default=id_new, editable=False)
    name = models.CharField("姓名", max_length=50)
    id_card_masked = models.CharField("身份证号码（脱敏）", max_length=18)
    id_card_digest = models.CharField(max_length=64, unique=True)
    id_card_sealed = models.TextField()
    sex = models.CharField("性别", max_length=6, choices=[("male", "男"), ("female", "女")])
    birth_date = models.DateField("出生日期")
    phone = models.CharField("手机号码", max_length=30)
    employer_name = models.CharField("工作单位", max_length=200)
    employer_uscc = models.CharField("工作单位统一社会信用代码", max_length=18, blank=True)
    region_code = models.CharField("所在地区", max_length=6)
    title_name = models.CharField("职称", max_length=50)
    title_level = models.CharField("职称级别", max_length=20, choices=list(TITLE_LEVEL_LABELS.items()))
    qualifications = models.CharField("执业资格", max_length=500, blank=True)
    education = models.CharField("最高学历", max_length=50, blank=True)
    # Years of work as declared on ``work_years_on``; the years on a later day add the full
    # years since (``rules``-free arithmetic in ``selectors.work_years_on``).
    work_years = models.PositiveSmallIntegerField("工作年限")
    work_years_on = models.DateField()
    base_type = models.CharField("专家库类别", max_length=20, choices=list(BASE_TYPE_LABELS.items()))
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.ACTIVE)
    status_reason = models.TextField("状态说明", blank=True)
    entered_on = models.DateField("入库日期")
    user_id = models.BigIntegerField("账号", null=True, blank=True, unique=True)
    username = models.CharField("账号用户名", max_length=150, blank=True)
    created_at = models.DateTimeField()
    created_by_username = models.CharField(max_length=150)
    updated_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ("name", "id")
        indexes = (
            models.Index(fields=("status", "region_code"), name="experts_expert_status_idx"),
            models.Index(fields=("employer_uscc",), name="experts_expert_employer_idx"),
        )

    def __str__(self) -> str:
        return f"{self.name}（{self.id_card_masked}）"


class ExpertSpecialty(models.Model):
    """One specialty (``MAJOR_CODE``) of an expert; exactly one is the main one (``IS_MAIN``)."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="specialties")
    code = models.CharField("专业代码", max_length=7)
    is_main = models.BooleanField("主评专业", default=False)

    class Meta:
        ordering = ("-is_main", "code")
        constraints = (
            models.UniqueConstraint(fields=("expert", "code"), name="experts_specialty_unique"),
            models.UniqueConstraint(
                fields=("expert",), condition=models.Q(is_main=True), name="experts_specialty_one_main"
            ),
        )
        indexes = (models.Index(fields=("code",), name="experts_specialty_code_idx"),)

    def __str__(self) -> str:
        return f"{self.expert_id}:{self.code}{'*' if self.is_main else ''}"


class ExpertUnavailability(models.Model):
    """A period in which the expert cannot be drawn (leave, illness, a trip), both days included."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="unavailability")
    starts_on = models.DateField("起始日期")
    ends_on = models.DateField("结束日期")
    reason = models.CharField("原因", max_length=200)
    recorded_at = models.DateTimeField()
    recorded_by_username = models.CharField(max_length=150)

    class Meta:
        ordering = ("starts_on", "id")
        constraints = (
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="experts_unavailability_order"
            ),
        )

    def __str__(self) -> str:
        return f"{self.expert_id}:{self.starts_on}..{self.ends_on}"


class ExpertConflict(models.Model):
    """A declared relation with an organisation (回避): the draw avoids the expert for its tenders.

    ``ends_on`` empty means the relation lasts; a relation that ended still counts for the
    look-back period the draw rules set (three years for government procurement).
    A withdrawn declaration is kept, with who withdrew it and why.
    """

    class Relation(models.TextChoices):
        EMPLOYMENT = "employment", "任职/劳动关系"
        DIRECTORSHIP = "directorship", "担任董事、监事或高级管理人员"
        KINSHIP = "kinship", "近亲属关系"
        OTHER = "other", "其他利害关系"

    uuid = models.UUIDField(unique=True, default=id_new, editable=False)
    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="conflicts")
    organisation_uscc = models.CharField("单位统一社会信用代码", max_length=18, blank=True)
    organisation_name = models.CharField("单位名称", max_length=200)
    relation = models.CharField("关系", max_length=20, choices=Relation.choices)
    starts_on = models.DateField("起始日期", null=True, blank=True)
    ends_on = models.DateField("结束日期", null=True, blank=True)
    note = models.CharField("说明", max_length=500, blank=True)
    declared_at = models.DateTimeField()
    declared_by_username = models.CharField(max_length=150)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by_username = models.CharField(max_length=150, blank=True)
    withdraw_reason = models.TextField(blank=True)

    class Meta:
        ordering = ("-declared_at", "-id")
        indexes = (models.Index(fields=("organisation_uscc",), name="experts_conflict_uscc_idx"),)

    def __str__(self) -> str:
        return f"{self.expert_id}:{self.relation}:{self.organisation_name}"


class ExpertAssignment(models.Model):
    """An expert drawn for a section (placeholder: the draw builds on it).

    Who sits on a panel is secret until the result is published: the expert reads their own
    assignments (``selectors.expert_assignments_own``); nothing here is shown to anyone else.
    """

    class Role(models.TextChoices):
        MEMBER = "member", "评标委员会成员"
        LEADER = "leader", "组长"
        RESERVE = "reserve", "候补"

    class Status(models.TextChoices):
        NOTIFIED = "notified", "已通知"
        ACCEPTED = "accepted", "已确认参加"
        DECLINED = "declined", "已拒绝"
        REPLACED = "replaced", "已替换"
        COMPLETED = "completed", "已完成"

    uuid = models.UUIDField(unique=True, default=id_new, editable=False)
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="assignments")
    section_code = models.CharField("标段编号", max_length=23)
    # Who the section is tendered for: the draw counts recent assignments per tenderer.
    tenderer_uscc = models.CharField("招标人统一社会信用代码", max_length=18, blank=True)
    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.NOTIFIED)
    assigned_at = models.DateTimeField()

    class Meta:
        ordering = ("-assigned_at", "-id")
        constraints = (models.UniqueConstraint(fields=("expert", "section_code"), name="experts_assignment_unique"),)
        indexes = (models.Index(fields=("tenderer_uscc", "assigned_at"), name="experts_assign_tenderer_idx"),)

    def __str__(self) -> str:
        return f"{self.expert_id}:{self.section_code}:{self.role}"


class ExpertDraw(models.Model):
    """One random draw of a section's evaluation experts (专家抽取): committed first, then drawn.

    ``committed`` is the draw's record without its seed (``experts.draw.draw_commit``); its
    ``commitment`` may be published at once. The seed stays sealed here (``seed_sealed``) until
    the draw; ``record`` is then the complete record that ``zhengwu experts verify-draw`` re-runs.
    Who was drawn is secret until the result is published: only centre staff, regulators and each
    drawn expert (their own assignment) see it.
    """

    class Status(models.TextChoices):
        COMMITTED = "committed", "已承诺，待抽取"
        DRAWN = "drawn", "已抽取"

    uuid = models.UUIDField(unique=True, default=id_new, editable=False)
    section_code = models.CharField("标段编号", max_length=23, unique=True)
    project_code = models.CharField("项目编号", max_length=40)
    tenderer_uscc = models.CharField("招标人统一社会信用代码", max_length=18)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.COMMITTED)
    commitment = models.CharField("承诺值", max_length=64)
    committed = models.JSONField("承诺时的抽取记录")
    seed_sealed = models.TextField()
    committed_at = models.DateTimeField()
    committed_by_username = models.CharField(max_length=150)
    record = models.JSONField("抽取记录", null=True, blank=True)
    drawn_at = models.DateTimeField(null=True, blank=True)
    drawn_by_username = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ("-committed_at", "-id")

    def __str__(self) -> str:
        return f"draw {self.section_code} {self.status}"
