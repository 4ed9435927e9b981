"""Projects, sections (标段/包), notices, tender documents, enquiries and objections.

People and organisations belong to the identity context: they are referred to here by id and a
copy of their name (never a foreign key into another context's tables), so a record keeps the
name it had when the act was done.

Secrets kept here and never shown outside the platform before the bid deadline: who obtained
the tender documents (``DocumentObtain`` and ``AnswerDelivery``), who registered to bid in a land
or property section (``Registration``), who asked a question
(``Question.asker_*``) and who filed an objection (``Objection.filed_by_*``). Only the
gatekeeper selectors in ``selectors.py`` read them for people; see the module docstring there.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models

from zhengwu.kernel.errors import Conflict
from zhengwu.kernel.ids import id_new

TRADE_TYPE_LABELS: dict[str, str] = {
    "construction": "工程建设",
    "procurement": "政府采购",
    "land": "土地使用权",
    "property": "国有产权",
}

SECTION_STATUS_LABELS: dict[str, str] = {
    "draft": "草稿",
    "prequalification": "资格预审",
    "published": "已发布",
    "accepting_bids": "接受投标",
    "opening": "开标",
    "evaluating": "评标",
    "candidates": "中标候选人公示",
    "awarded": "已定标",
    "contracted": "已签约",
    "archived": "已归档",
    "terminated": "已终止",
    "failed": "流标",
}

DOCUMENT_STAGE_LABELS: dict[str, str] = {"tender": "招标（采购/出让）文件", "prequalification": "资格预审文件"}
STAGE_CHOICES = list(DOCUMENT_STAGE_LABELS.items())

# The values are those of rules.TradeType and rules.SectionStatus (a test holds them equal); the
# tables keep plain strings so that a migration never depends on the rules module.
TRADE_TYPE_CHOICES = list(TRADE_TYPE_LABELS.items())
SECTION_STATUS_CHOICES = list(SECTION_STATUS_LABELS.items())


class CodeCounter(models.Model):
    """The last serial handed out in one code scope (e.g. projects of one region, year, trade type).

    The UPDATE that advances it locks the row until commit, so two registrations never get the
    same serial; a rolled-back registration leaves a gap, which the codes allow (they must be
    unique and never reused, not dense).
    """

    scope = models.CharField(max_length=100, unique=True)
    last_serial = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.scope}#{self.last_serial}"


class _FrozenFields(models.Model):
    """Remembers field values as loaded, so ``save`` can refuse changes to frozen ones."""

    FROZEN: ClassVar[tuple[str, ...]] = ()

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Any:
        instance = super().from_db(db, field_names, values)
        instance._loaded = {name: getattr(instance, name) for name in cls.FROZEN if name in field_names}
        return instance

    def _frozen_changed(self) -> list[str]:
        loaded: dict[str, Any] = getattr(self, "_loaded", {})
        return [name for name, value in loaded.items() if getattr(self, name) != value]

    def _frozen_remember(self) -> None:
        self._loaded = {name: getattr(self, name) for name in self.FROZEN}


class Project(_FrozenFields):
    """A project registered for tendering (项目登记): one owner, one procedure, one or more sections."""

    FROZEN = ("code",)

    uuid = models.UUIDField(unique=True, default=id_new, editable=False)
    # Issued once at registration and never changed (national data standard, dataset 500).
    code = models.CharField("项目编号", max_length=40, unique=True)
    name = models.CharField("项目名称", max_length=200)
    owner_org_id = models.BigIntegerField("招标人（采购人/出让人）单位")
    owner_uscc = models.CharField("招标人统一社会信用代码", max_length=18)
    owner_name = models.CharField("招标人", max_length=200)
    agency_org_id = models.BigIntegerField("代理机构单位", null=True, blank=True)
    agency_uscc = models.CharField("代理机构统一社会信用代码", max_length=18, blank=True)
    agency_name = models.CharField("代理机构", max_length=200, blank=True)
    funding_source = models.CharField("资金来源", max_length=200)
    budget_fen = models.BigIntegerField("预算/估算价（分）")
    region_code = models.CharField("行政区划", max_length=6)
    industry_code = models.CharField("行业分类", max_length=3)
    trade_type = models.CharField("交易类型", max_length=20, choices=TRADE_TYPE_CHOICES)
    procedure = models.CharField("交易方式", max_length=60)
    created_by_user_id = models.BigIntegerField(null=True, blank=True)
    created_by_username = models.CharField(max_length=150)
    created_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = (
            models.Index(fields=("owner_org_id", "created_at"), name="tendering_project_owner_idx"),
            models.Index(fields=("agency_org_id", "created_at"), name="tendering_project_agency_idx"),
        )

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._frozen_changed():
            raise Conflict("项目编号一经赋予不得变更", code="project_code_immutable", detail={"code": self.code})
        super().save(*args, **kwargs)
        self._frozen_remember()


class Section(_FrozenFields):
    """A section or lot (标段/包): the unit that is tendered, bid on, opened and awarded."""

    FROZEN = ("code", "deal_code")

    uuid = models.UUIDField(unique=True, default=id_new, editable=False)
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="sections")
    index = models.PositiveSmallIntegerField("序号")
    code = models.CharField("标段（包）编号", max_length=40, unique=True)
    # 统一交易标识码 (one per section); blank until codes can issue it.
    deal_code = models.CharField("统一交易标识码", max_length=40, blank=True)
    name = models.CharField("标段（包）名称", max_length=200)
    estimate_fen = models.BigIntegerField("估算价/预算（分）")
    bid_security_fen = models.BigIntegerField("投标（竞买）保证金（分）", default=0)
    document_price_fen = models.BigIntegerField("文件售价（分）", default=0)
    status = models.CharField("状态", max_length=20, choices=SECTION_STATUS_CHOICES, default="draft")
    status_changed_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    doc_issue_start = models.DateTimeField("文件发售开始", null=True, blank=True)
    doc_issue_end = models.DateTimeField("文件发售截止", null=True, blank=True)
    bid_deadline = models.DateTimeField("投标截止时间", null=True, blank=True)
    opening_at = models.DateTimeField("开标时间", null=True, blank=True)
    # Land and property: when 投标/拍卖/挂牌 starts (the listing runs from here to the deadline).
    activity_start = models.DateTimeField("挂牌（竞价）开始时间", null=True, blank=True)
    # The rule set in force on the day of publication; the tender keeps it to the end.
    ruleset_version = models.CharField("适用规则版本", max_length=60, blank=True)
    # When the scheduler must look at this section next (None: nothing is due by time).
    next_check_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Set by the bidding context when bidding closes; None until then.
    bid_count = models.PositiveIntegerField(null=True, blank=True)
    status_reason = models.CharField(max_length=200, blank=True)
    # Set while an objection that suspends the tender is unanswered (招标条例 第二十二条、第五十四条):
    # since when the tender activity stands still. None: not suspended.
    suspended_at = models.DateTimeField("暂停招标投标活动时间", null=True, blank=True)
    # Pre-qualification (资格预审) procedures: the pre-qualification documents' issue period and the
    # application deadline the pre-qualification notice announced, and when the review was concluded
    # (the results are final and the applicants told; the invitation may follow).
    prequal_doc_issue_start = models.DateTimeField("资格预审文件发售开始", null=True, blank=True)
    prequal_doc_issue_end = models.DateTimeField("资格预审文件发售截止", null=True, blank=True)
    prequal_deadline = models.DateTimeField("资格预审申请截止时间", null=True, blank=True)
    prequal_concluded_at = models.DateTimeField("资格预审结束时间", null=True, blank=True)
    # A re-tender (重新招标) after this project's section failed: the section it replaces, and
    # which attempt this is (1 for the first tender).
    retender_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="retenders",
        verbose_name="重新招标所替代的标段",
    )
    attempt = models.PositiveSmallIntegerField("招标次数", default=1)
    # The winning candidates' publicity (中标候选人公示), set by the evaluation context when it
    # publishes them: objections to the result are filed within it (招标条例 第五十四条).
    publicity_starts_at = models.DateTimeField("中标候选人公示开始", null=True, blank=True)
    publicity_ends_at = models.DateTimeField("中标候选人公示截止", null=True, blank=True)
    created_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ("project_id", "index")
        constraints = (models.UniqueConstraint(fields=("project", "index"), name="tendering_section_index_unique"),)
        indexes = (models.Index(fields=("status", "bid_deadline"), name="tendering_section_status_idx"),)

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        changed = self._frozen_changed()
        # A blank deal code may be filled in once; an issued one never changes.
        loaded: dict[str, Any] = getattr(self, "_loaded", {})
        changed = [n for n in changed if not (n == "deal_code" and not loaded.get("deal_code"))]
        if changed:
            raise Conflict(
                "标段编号和统一交易标识码一经赋予不得变更", code="section_code_immutable", detail={"code": self.code}
            )
        super().save(*args, **kwargs)
        self._frozen_remember()


class Notice(_FrozenFields):
    """A notice: drafted, approved by the responsible people, then published — and then frozen.

    An amendment, clarification or termination is a new notice that references the one it
    concerns; a published notice is never edited or deleted.
    """

    FROZEN = ("status",)

    class Kind(models.TextChoices):
        TENDER = "tender", "招标（采购/出让/挂牌）公告"
        INVITATION = "invitation", "投标邀请书"
        PREQUALIFICATION = "prequalification", "资格预审公告"
        AMENDMENT = "amendment", "澄清/修改公告"
        TERMINATION = "termination", "终止公告"

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        APPROVED = "approved", "已审核"
        PUBLISHED = "published", "已发布"

    uuid = models.UUIDField(unique=True, default=id_new, editable=False)
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="notices")
    sections = models.ManyToManyField(Section, related_name="notices")
    kind = models.CharField("公告类型", max_length=20, choices=Kind.choices)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("正文")
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.DRAFT)
    # The timetable the notice announces (tender notices; an amendment's new deadline).
    doc_issue_start = models.DateTimeField("文件发售开始", null=True, blank=True)
    doc_issue_end = models.DateTimeField("文件发售截止", null=True, blank=True)
    bid_deadline = models.DateTimeField("投标截止时间", null=True, blank=True)
    opening_at = models.DateTimeField("开标时间", null=True, blank=True)
    activity_start = models.DateTimeField("挂牌（竞价）开始时间", null=True, blank=True)
    references = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="referenced_by"
    )
    affects_bid_preparation = models.BooleanField("影响投标文件编制", default=False)
    # Tender notices with sealed bids: opening needs the bidder's own key as well as the opening
    # key (the bidders decrypt online at the opening, the common Chinese practice).
    bidder_key_required = models.BooleanField("须投标人以自己的密钥共同解密", default=True)

    class Envelopes(models.TextChoices):
        # 双信封: the technical envelope is opened first and evaluated; the commercial (price)
        # envelopes of those who pass are opened at a second opening (e.g. 公路工程建设项目
        # 招标投标管理办法 第二十八条). The tender documents choose; one envelope is the default.
        SINGLE = "single", "单信封"
        TWO = "two", "双信封（技术／商务）"

    envelopes = models.CharField("投标文件信封", max_length=10, choices=Envelopes.choices, default=Envelopes.SINGLE)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by_username = models.CharField(max_length=150, blank=True)
    created_by_user_id = models.BigIntegerField(null=True, blank=True)
    created_by_username = models.CharField(max_length=150)
    created_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = (models.Index(fields=("status", "published_at"), name="tendering_notice_pub_idx"),)

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._refuse_if_published()
        super().save(*args, **kwargs)
        self._frozen_remember()

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        self._refuse_if_published()
        return super().delete(*args, **kwargs)

    def _refuse_if_published(self) -> None:
        loaded: dict[str, Any] = getattr(self, "_loaded", {})
        if loaded.get("status") == self.Status.PUBLISHED:
            raise Conflict(
                "已发布的公告不可修改；如需更正请发布澄清/修改公告",
                code="notice_immutable",
                detail={"notice": str(self.uuid)},
            )


class NoticeApproval(models.Model):
    """One responsible person's approval of a notice, in one of the roles the rule set requires."""

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="approvals")
    role = models.CharField(max_length=40)
    user_id = models.BigIntegerField(null=True, blank=True)
    username = models.CharField(max_length=150)
    display_name = models.CharField(max_length=100, blank=True)
    organisation_name = models.CharField(max_length=200, blank=True)
    comment = models.CharField(max_length=500, blank=True)
    approved_at = models.DateTimeField()

    class Meta:
        ordering = ("approved_at", "id")
        constraints = (models.UniqueConstraint(fields=("notice", "role"), name="tendering_approval_role_unique"),)

    def __str__(self) -> str:
        return f"{self.notice_id} {self.role} {self.username}"


class Document(models.Model):
    """A file of a project: tender documents (obtained by bidders) or a public notice attachment."""

    uuid = models.UUIDField(unique=True, default=id_new, editable=False)
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="documents")
    # None: the document belongs to every section of the project.
    section = models.ForeignKey(Section, on_delete=models.PROTECT, null=True, blank=True, related_name="documents")
    name = models.CharField("文件名", max_length=200)
    size = models.BigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    storage_name = models.CharField(max_length=500)
    content_type = models.CharField(max_length=100, blank=True)
    # Public documents are attached to notices for everyone; the others are the tender
    # documents proper, for those who obtained them.
    is_public = models.BooleanField("公开附件", default=False)
    # Which documents these are: the tender documents, or the pre-qualification documents that
    # applicants obtain before they apply (资格预审文件).
    stage = models.CharField("文件类别", max_length=20, choices=STAGE_CHOICES, default="tender")
    uploaded_by_user_id = models.BigIntegerField(null=True, blank=True)
    uploaded_by_username = models.CharField(max_length=150)
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ("uploaded_at", "id")

    def __str__(self) -> str:
        return self.name


class DocumentObtain(models.Model):
    """A bidder's organisation obtained the tender documents of a section. SECRET until the deadline."""

    uuid = models.UUIDField(unique=True, default=id_new, editable=False)
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="obtains")
    organisation_id = models.BigIntegerField()
    organisation_name = models.CharField(max_length=200)
    user_id = models.BigIntegerField(null=True, blank=True)
    username = models.CharField(max_length=150)
    obtained_at = models.DateTimeField()
    paid = models.BooleanField(default=False)
    amount_fen = models.BigIntegerField(default=0)
    # The documents it received: those on file when it obtained them, plus every later one.
    documents = models.ManyToManyField(Document, related_name="+")

    class Meta:
        ordering = ("obtained_at", "id")
        constraints = (models.UniqueConstraint(fields=("section", "organisation_id"), name="tendering_obtain_once"),)

    def __str__(self) -> str:
        return f"obtain {self.uuid}"


class Question(models.Model):
    """A clarification question. The asker is kept for the platform only and never shown."""

    uuid = models.UUIDField(unique=True, default=id_new, editable=False)
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="questions")
    asker_org_id = models.BigIntegerField()
    asker_org_name = models.CharField(max_length=200)
    asker_user_id = models.BigIntegerField(null=True, blank=True)
    text = models.TextField()
    asked_at = models.DateTimeField()
    answer = models.ForeignKey("Answer", on_delete=models.PROTECT, null=True, blank=True, related_name="questions")

    class Meta:
        ordering = ("asked_at", "id")

    def __str__(self) -> str:
        return f"question {self.uuid}"


class Answer(models.Model):
    """A clarification (答疑/澄清), sent to every holder of the documents; may move the deadline."""

    uuid = models.UUIDField(unique=True, default=id_new, editable=False)
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="answers")
    body = models.TextField()
    affects_bid_preparation = models.BooleanField(default=False)
    published_at = models.DateTimeField()
    published_by_user_id = models.BigIntegerField(null=True, blank=True)
    published_by_username = models.CharField(max_length=150)
    bid_deadline_before = models.DateTimeField(null=True, blank=True)
    # Set when the answer extended the bid deadline (to this instant).
    bid_deadline_after = models.DateTimeField(null=True, blank=True)
    amendment_notice = models.OneToOneField(
        Notice, on_delete=models.PROTECT, null=True, blank=True, related_name="answer"
    )

    class Meta:
        ordering = ("published_at", "id")

    def __str__(self) -> str:
        return f"answer {self.uuid}"


class AnswerDelivery(models.Model):
    """The written notice of an answer to one holder of the documents. SECRET until the deadline."""

    answer = models.ForeignKey(Answer, on_delete=models.PROTECT, related_name="deliveries")
    organisation_id = models.BigIntegerField()
    delivered_at = models.DateTimeField()

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("answer", "organisation_id"), name="tendering_answer_delivery_once"),
        )

    def __str__(self) -> str:
        return f"{self.answer_id} → {self.organisation_id}"


class Objection(models.Model):
    """An objection (异议) with the statutory reply time. The objector is hidden like an asker."""

    class Status(models.TextChoices):
        PENDING = "pending", "待答复"
        REPLIED = "replied", "已答复"

    uuid = models.UUIDField(unique=True, default=id_new, editable=False)
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="objections")
    kind = models.CharField("异议类型", max_length=40)
    text = models.TextField("异议内容")
    filed_by_org_id = models.BigIntegerField()
    filed_by_org_name = models.CharField(max_length=200)
    filed_by_user_id = models.BigIntegerField(null=True, blank=True)
    filed_at = models.DateTimeField()
    reply_due = models.DateTimeField("答复期限")
    # Whether the tender stands still until this objection is answered (the rule at filing time).
    suspends = models.BooleanField("答复前暂停招标投标活动", default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    reply = models.TextField("答复", blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    replied_by_username = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ("filed_at", "id")

    def __str__(self) -> str:
        return f"objection {self.uuid}"


class Registration(models.Model):
    """A bidder's application to bid (竞买申请) in a land or property section, with its deposit (竞买保证金).

    SECRET until the bid deadline, like ``DocumentObtain``: who registered is read for people only
    through ``selectors.registrations_for``. The deposit is paid to the bank, outside the platform;
    the centre's staff record the bank's confirmation (``deposit_paid_*``) and then confirm or
    refuse the registration.
    """

    class Status(models.TextChoices):
        APPLIED = "applied", "已申请"
        CONFIRMED = "confirmed", "已确认竞买资格"
        REFUSED = "refused", "不予确认"
        WITHDRAWN = "withdrawn", "已撤回"

    uuid = models.UUIDField(unique=True, default=id_new, editable=False)
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="registrations")
    organisation_id = models.BigIntegerField()
    organisation_name = models.CharField(max_length=200)
    organisation_uscc = models.CharField("统一社会信用代码", max_length=18)
    user_id = models.BigIntegerField(null=True, blank=True)
    username = models.CharField(max_length=150)
    applied_at = models.DateTimeField("申请时间")
    # Copied from the section when applying: the amount the notice stated then.
    deposit_required_fen = models.BigIntegerField("应缴竞买保证金（分）")
    # The total the bank confirms received, and when that total was reached.
    deposit_paid_fen = models.BigIntegerField("已缴竞买保证金（分）", default=0)
    deposit_paid_at = models.DateTimeField("保证金到账时间", null=True, blank=True)
    deposit_recorded_by_username = models.CharField(max_length=150, blank=True)
    deposit_recorded_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.APPLIED)
    confirmed_by_username = models.CharField("确认（不予确认）人", max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField("不予确认理由", max_length=500, blank=True)
    # A bidder may withdraw its application before the registration deadline; its deposit is then
    # refunded (a ``Refund``).
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ("applied_at", "id")
        constraints = (
            models.UniqueConstraint(fields=("section", "organisation_id"), name="tendering_registration_once"),
        )

    def __str__(self) -> str:
        return f"registration {self.uuid}"


class PrequalApplication(models.Model):
    """An organisation's part in a pre-qualification (资格预审): documents obtained, application, result.

    SECRET like ``DocumentObtain``: who obtained the pre-qualification documents or applied are the
    potential bidders (招标投标法 第二十二条). The review needs the applications, so the project's
    managers and the centre's staff read them after the application deadline, each access
    audited; nobody else ever sees another organisation's row. The application file itself is
    stored like a document, with its SHA-256.
    """

    class Status(models.TextChoices):
        OBTAINED = "obtained", "已获取资格预审文件"
        SUBMITTED = "submitted", "已递交申请"
        WITHDRAWN = "withdrawn", "已撤回"
        PASSED = "passed", "资格预审合格"
        FAILED = "failed", "资格预审不合格"

    uuid = models.UUIDField(unique=True, default=id_new, editable=False)
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="prequal_applications")
    organisation_id = models.BigIntegerField()
    organisation_name = models.CharField(max_length=200)
    organisation_uscc = models.CharField("统一社会信用代码", max_length=18)
    user_id = models.BigIntegerField(null=True, blank=True)
    username = models.CharField(max_length=150)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.OBTAINED)
    obtained_at = models.DateTimeField("获取资格预审文件时间")
    paid = models.BooleanField(default=False)
    amount_fen = models.BigIntegerField("资格预审文件费用（分）", default=0)
    submitted_at = models.DateTimeField("递交时间", null=True, blank=True)
    file_name = models.CharField("申请文件名", max_length=200, blank=True)
    file_size = models.BigIntegerField("大小（字节）", null=True, blank=True)
    file_sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    storage_name = models.CharField(max_length=500, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    reviewed_by_username = models.CharField("审查人", max_length=150, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField("审查意见（不合格理由）", max_length=500, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ("obtained_at", "id")
        constraints = (models.UniqueConstraint(fields=("section", "organisation_id"), name="tendering_prequal_once"),)

    def __str__(self) -> str:
        return f"prequal application {self.uuid}"


REFUND_KIND_LABELS: dict[str, str] = {
    "document_fee": "招标文件费用",
    "prequal_document_fee": "资格预审文件费用",
    "deposit": "竞买保证金",
    "bid_security": "投标保证金",
}
REFUND_REASON_LABELS: dict[str, str] = {
    "terminated": "终止招标",
    "registration_withdrawn": "撤回竞买申请",
    "registration_refused": "不予确认竞买资格",
    "contract_signed": "书面合同签订后退还",
    "section_failed": "所有投标被否决，重新招标",
}


class Refund(models.Model):
    """Money the tender owes back to one organisation: a document fee, a deposit or a security.

    Created by the service that makes it due (termination: 招标投标法实施条例 第三十一条 — the fees
    for the pre-qualification and tender documents and the securities with the bank's interest for
    the same period; a withdrawn or refused registration: its deposit), one per payment, never
    twice (``source`` is the payment's uuid). The centre's staff record the transfer. Who is owed
    a refund reveals who obtained the documents, so it is read like the lists it comes from.
    """

    class Status(models.TextChoices):
        DUE = "due", "待退还"
        PAID = "paid", "已退还"

    uuid = models.UUIDField(unique=True, default=id_new, editable=False)
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="refunds")
    organisation_id = models.BigIntegerField()
    organisation_name = models.CharField(max_length=200)
    kind = models.CharField("退还项目", max_length=30, choices=list(REFUND_KIND_LABELS.items()))
    source = models.UUIDField("所退款项")
    reason = models.CharField("退还原因", max_length=40, choices=list(REFUND_REASON_LABELS.items()))
    amount_fen = models.BigIntegerField("应退金额（分）")
    # The bank's interest for the same period (securities and deposits), entered when paid.
    interest_fen = models.BigIntegerField("同期银行存款利息（分）", default=0)
    due_at = models.DateTimeField("应退之日")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DUE)
    paid_at = models.DateTimeField("退还时间", null=True, blank=True)
    bank_reference = models.CharField("银行流水号", max_length=64, blank=True)
    recorded_by_username = models.CharField(max_length=150, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ("due_at", "id")
        constraints = (models.UniqueConstraint(fields=("kind", "source"), name="tendering_refund_once"),)
        indexes = (models.Index(fields=("status", "due_at"), name="tendering_refund_status_idx"),)

    def __str__(self) -> str:
        return f"refund {self.uuid}"
