"""The supervision platform's own records, built from the events other platforms send."""

from __future__ import annotations

from django.db import models


class RegisteredSubject(models.Model):
    """Every market subject registered at the trading platform, in whatever status it is.

    Regulators see pending, rejected and suspended subjects too; ``history_count`` counts the
    changes received, so a subject that changed status many times stands out.
    """

    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    name = models.CharField("名称", max_length=200)
    status = models.CharField("状态", max_length=20)
    market_roles = models.JSONField("市场角色", default=list)
    region_code = models.CharField("行政区划", max_length=6, blank=True)
    version = models.PositiveIntegerField()
    updated_at = models.DateTimeField("更新时间")
    first_seen_at = models.DateTimeField("首次登记时间")
    history_count = models.PositiveIntegerField("变更次数", default=0)

    class Meta:
        ordering = ("name", "uscc")

    def __str__(self) -> str:
        return f"{self.name}（{self.uscc}）"


class WatchedNotice(models.Model):
    """Every notice published on the trading platform, as it was sent (``tendering.notice.published``)."""

    notice_id = models.UUIDField("公告标识", unique=True)
    kind = models.CharField("公告类型", max_length=30)
    trade_type = models.CharField("交易类型", max_length=30)
    procedure = models.CharField("交易方式", max_length=80)
    project_code = models.CharField("项目编号", max_length=100, db_index=True)
    project_name = models.CharField("项目名称", max_length=300)
    section_codes = models.JSONField("标段（包）编号", default=list)
    title = models.CharField("标题", max_length=500)
    body = models.TextField("正文")
    tenderer_name = models.CharField("招标人", max_length=200)
    agency_name = models.CharField("代理机构", max_length=200, blank=True)
    region_code = models.CharField("行政区划", max_length=6)
    budget_fen = models.BigIntegerField("预算（分）", null=True, blank=True)
    published_at = models.DateTimeField("发布时间")
    bid_deadline = models.DateTimeField("投标截止时间", null=True, blank=True)
    opening_at = models.DateTimeField("开标时间", null=True, blank=True)
    references_notice_id = models.UUIDField("所更正的公告", null=True, blank=True)
    attachments = models.JSONField("附件", default=list)
    received_at = models.DateTimeField("接收时间")

    class Meta:
        ordering = ("published_at", "notice_id")

    def __str__(self) -> str:
        return self.title


class WatchedSection(models.Model):
    """A section (标段/包) as its last status change left it; its changes are in the history."""

    project_code = models.CharField("项目编号", max_length=100)
    section_code = models.CharField("标段（包）编号", max_length=100)
    section_name = models.CharField("标段（包）名称", max_length=300)
    status = models.CharField("状态", max_length=30, db_index=True)
    previous_status = models.CharField("原状态", max_length=30, blank=True)
    reason = models.TextField("原因", blank=True)
    bid_deadline = models.DateTimeField("投标截止时间", null=True, blank=True)
    # The instant of the change that set ``status`` (the trading platform's time).
    changed_at = models.DateTimeField("状态变更时间")
    first_seen_at = models.DateTimeField("首次出现时间")
    change_count = models.PositiveIntegerField("变更次数", default=0)

    class Meta:
        ordering = ("project_code", "section_code")
        constraints = (
            models.UniqueConstraint(fields=("project_code", "section_code"), name="supervision_section_unique"),
        )

    def __str__(self) -> str:
        return f"{self.section_name}（{self.section_code}）"


class SectionStatusHistory(models.Model):
    """One status change of a section, as received; never changed once written."""

    section = models.ForeignKey(WatchedSection, on_delete=models.PROTECT, related_name="history")
    # The exchange message that carried it: a replayed message is recognised and skipped.
    message_id = models.UUIDField("消息标识", unique=True)
    status = models.CharField("状态", max_length=30)
    previous_status = models.CharField("原状态", max_length=30, blank=True)
    reason = models.TextField("原因", blank=True)
    bid_deadline = models.DateTimeField("投标截止时间", null=True, blank=True)
    changed_at = models.DateTimeField("状态变更时间")
    received_at = models.DateTimeField("接收时间")

    class Meta:
        ordering = ("changed_at", "id")

    def __str__(self) -> str:
        return f"{self.section_id}: {self.previous_status} → {self.status}"


class HeldShare(models.Model):
    """The supervision platform's share of one opening key, sealed to this deployable's custody key.

    Released by a regulator only once the section's bids are frozen (``FrozenBids``).
    """

    section_code = models.CharField("标段编号", max_length=40)
    envelope = models.CharField(max_length=20)
    opening_fingerprint = models.CharField("开标公钥指纹", max_length=64, unique=True)
    custodian_fingerprint = models.CharField(max_length=64)
    blob = models.BinaryField()
    received_at = models.DateTimeField()
    released_at = models.DateTimeField("释放时间", null=True, blank=True)
    released_by_username = models.CharField("释放人", max_length=150, blank=True)

    class Meta:
        ordering = ("-received_at", "-id")

    def __str__(self) -> str:
        return f"{self.section_code}/{self.envelope}"


class FrozenBids(models.Model):
    """A section's bids frozen at its deadline: the signed Merkle root, as the trading platform sent it."""

    section_code = models.CharField("标段编号", max_length=40, unique=True)
    deadline = models.DateTimeField("投标截止时间")
    frozen_at = models.DateTimeField("封存时间")
    leaf_count = models.PositiveIntegerField("投标文件数")
    root = models.CharField("默克尔根", max_length=64)
    body = models.TextField()
    signature = models.CharField(max_length=100)
    key_id = models.CharField(max_length=16)
    received_at = models.DateTimeField()

    class Meta:
        ordering = ("-frozen_at", "-id")

    def __str__(self) -> str:
        return f"{self.section_code} {self.root[:16]}"


class OpeningRecord(models.Model):
    """A section's signed opening record (开标记录, ``bidding.opening.recorded``), as received.

    ``body`` is the record exactly as the trading platform signed it, so a regulator can verify
    ``signature`` again; ``record`` is the same content parsed, and the counts summarise it.
    """

    section_code = models.CharField("标段编号", max_length=100)
    # A two-envelope tender has two openings (technical, then commercial), each with its record.
    round = models.PositiveSmallIntegerField("开标轮次", default=1)
    project_code = models.CharField("项目编号", max_length=100, db_index=True)
    body = models.TextField("开标记录（签名内容）")
    record = models.JSONField("开标记录")
    signature = models.CharField("签名", max_length=100)
    key_id = models.CharField("签名公钥标识", max_length=16)
    digest = models.CharField("摘要", max_length=64)
    freeze_root = models.CharField("默克尔根", max_length=64, blank=True)
    recorded_at = models.DateTimeField("开标记录时间")
    bid_count = models.PositiveIntegerField("投标文件数")
    opened_count = models.PositiveIntegerField("已解密")
    revoked_count = models.PositiveIntegerField("视为撤销")
    withdrawn_count = models.PositiveIntegerField("视为撤回")
    objection_count = models.PositiveIntegerField("异议数")
    received_at = models.DateTimeField("接收时间")

    class Meta:
        ordering = ("-recorded_at", "-id")
        constraints = (
            models.UniqueConstraint(fields=("section_code", "round"), name="supervision_opening_record_round_once"),
        )

    def __str__(self) -> str:
        return f"{self.section_code} {self.digest[:16]}"


class AwardTrack(models.Model):
    """A section after its evaluation, followed to the contract: the candidates, the award, the
    written report and the contract, with their legal deadlines (``evaluation.*`` events).

    One row per section, filled by whichever of the four events arrives, in any order; each
    event sets its own fields once. ``payloads`` keeps each event as it arrived, by event type,
    so a replay is recognised and a different second version is kept out (and logged).
    Deadlines are Beijing dates: statutory periods count days.
    """

    section_code = models.CharField("标段（包）编号", max_length=100, unique=True)
    project_code = models.CharField("项目编号", max_length=100, blank=True, db_index=True)
    section_name = models.CharField("标段（包）名称", max_length=300, blank=True)
    # 中标候选人公示 (evaluation.candidates.published)
    candidates = models.JSONField("中标候选人", default=list)
    publicity_starts_at = models.DateTimeField("公示开始时间", null=True, blank=True)
    publicity_ends_at = models.DateTimeField("公示结束时间", null=True, blank=True)
    # 定标 and the award notice (evaluation.award.decided)
    winner = models.CharField("中标人", max_length=200, blank=True)
    winner_uscc = models.CharField("中标人统一社会信用代码", max_length=18, blank=True)
    price_fen = models.BigIntegerField("中标金额（分）", null=True, blank=True)
    budget_fen = models.BigIntegerField("预算金额（分）", null=True, blank=True)
    savings_fen = models.BigIntegerField("节约资金（分）", null=True, blank=True)
    notice_number = models.CharField("中标通知书编号", max_length=100, blank=True)
    decided_at = models.DateTimeField("定标时间", null=True, blank=True)
    # 招标投标法 第四十七条: the written report within 15 days (evaluation.written_report.submitted)
    report_due = models.DateField("书面报告期限", null=True, blank=True)
    report_submitted_at = models.DateTimeField("书面报告提交时间", null=True, blank=True)
    report_tenderer = models.CharField("报告人（招标人）", max_length=200, blank=True)
    report_text = models.TextField("书面报告", blank=True)
    report_late = models.BooleanField("书面报告逾期提交", default=False)
    # 招标投标法 第四十六条: the contract within 30 days (evaluation.contract.registered)
    contract_due = models.DateField("合同签订期限", null=True, blank=True)
    contract_number = models.CharField("合同编号", max_length=100, blank=True)
    contract_signed_on = models.DateField("合同签订日期", null=True, blank=True)
    contract_amount_fen = models.BigIntegerField("合同价款（分）", null=True, blank=True)
    contract_registered_at = models.DateTimeField("合同备案时间", null=True, blank=True)
    contract_late = models.BooleanField("合同逾期备案", default=False)
    security_return_due = models.DateField("投标保证金退还期限", null=True, blank=True)
    payloads = models.JSONField("原始事件", default=dict)
    updated_at = models.DateTimeField("更新时间")

    class Meta:
        ordering = ("-updated_at", "-id")

    def __str__(self) -> str:
        return f"{self.section_name or self.section_code}（{self.section_code}）"
