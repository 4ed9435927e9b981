"""The public platform's read models, built only from the events other platforms send.

The public database holds what may be published and nothing more: a market subject appears
here once the trading centre has verified it and disappears if it is suspended or rejected.
"""

from __future__ import annotations

from django.db import models


class MarketSubject(models.Model):
    """A verified market subject (tenderer, agency, bidder) as the public may see it."""

    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    name = models.CharField("名称", max_length=200)
    status = models.CharField("状态", max_length=20)
    market_roles = models.JSONField("市场角色", default=list)
    # "|agency|bidder|": filters by role with a plain LIKE that works on every database.
    roles_index = models.CharField(max_length=200, blank=True, db_index=True)
    region_code = models.CharField("行政区划", max_length=6, blank=True)
    # The organisation's version at the trading platform, as of the last applied event.
    version = models.PositiveIntegerField()
    updated_at = models.DateTimeField("更新时间")
    # When the subject was first listed here: the instant of the first event that listed it (its
    # verification at the trading platform, not its arrival). Null for subjects listed before the
    # field existed — their first listing was never recorded and is not guessed.
    first_seen_at = models.DateTimeField("首次公示时间", null=True, blank=True)

    class Meta:
        ordering = ("name", "uscc")

    def __str__(self) -> str:
        return f"{self.name}（{self.uscc}）"


class Notice(models.Model):
    """A published notice as the trading platform sent it (``tendering.notice.published``).

    A published notice never changes, so neither does this row: an amendment is another
    notice whose ``references_notice_id`` names the one it amends. The reference is kept as a
    plain identifier rather than a foreign key because the public platform shows what it
    received; a reference to a notice it never received is still shown, as an identifier.
    """

    notice_id = models.UUIDField("公告标识", unique=True)
    kind = models.CharField("公告类型", max_length=30)
    trade_type = models.CharField("交易类型", max_length=30)
    procedure = models.CharField("交易方式", max_length=80)
    project_code = models.CharField("项目编号", max_length=100)
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
    references_notice_id = models.UUIDField("所更正的公告", null=True, blank=True, db_index=True)
    attachments = models.JSONField("附件", default=list)
    # Sealed-bid tenders: the opening keys bidders seal to, with their fingerprints.
    opening_keys = models.JSONField("开标公钥", default=list)
    # When this platform received it: the law wants the source and time of exchanged data kept.
    received_at = models.DateTimeField("接收时间")
    # The full-text terms (``search.search_document``): the text of a tsvector, indexed on
    # PostgreSQL by a GIN index over ``search_terms::tsvector`` (migration 0008).
    search_terms = models.TextField(blank=True, default="")

    class Meta:
        ordering = ("-published_at", "-notice_id")
        indexes = (
            models.Index(fields=("-published_at", "-notice_id"), name="disclosure_notice_latest"),
            # The home page's latest notices of each trade type, and the list filtered by one.
            models.Index(fields=("trade_type", "-published_at", "-notice_id"), name="disclosure_notice_type_latest"),
            models.Index(fields=("project_code",), name="disclosure_notice_project"),
        )

    def __str__(self) -> str:
        return self.title


class BidFreeze(models.Model):
    """A section's accepted bids frozen at the deadline (``bidding.bids.frozen``): the signed Merkle root.

    Anyone can check that a receipt is among the frozen bids against ``root`` (the inclusion-proof
    page). ``body`` is the statement exactly as the trading platform signed it; the other fields
    are read from it, and the event is kept as it arrived in ``payload``.
    """

    section_code = models.CharField("标段（包）编号", max_length=100, unique=True)
    deadline = models.DateTimeField("投标截止时间")
    frozen_at = models.DateTimeField("封存时间")
    leaf_count = models.PositiveIntegerField("投标文件数")
    root = models.CharField("默克尔根", max_length=64)
    body = models.TextField("签名内容")
    signature = models.CharField("签名", max_length=100)
    key_id = models.CharField("签名公钥标识", max_length=16)
    payload = models.JSONField("原始事件")
    received_at = models.DateTimeField("接收时间")

    class Meta:
        ordering = ("-frozen_at", "-id")

    def __str__(self) -> str:
        return f"{self.section_code} {self.root[:16]}"


class OpeningRecord(models.Model):
    """A section's signed opening record (开标记录, ``bidding.opening.recorded``), as received.

    ``body`` is the record exactly as the trading platform signed it (canonical JSON), so anyone
    can verify ``signature`` again; ``record`` is the same content parsed, and the counts
    summarise its outcome.
    """

    section_code = models.CharField("标段（包）编号", max_length=100)
    # A two-envelope tender has two openings (technical, then commercial), each with its record.
    round = models.PositiveSmallIntegerField("开标轮次", default=1)
    project_code = models.CharField("项目编号", max_length=100, db_index=True)
    body = models.TextField("开标记录（签名内容）")
    record = models.JSONField("开标记录")
    signature = models.CharField("签名", max_length=100)
    key_id = models.CharField("签名公钥标识", max_length=16)
    # SHA-256 of ``body``: the digest the trading platform's audit log keeps for the record.
    digest = models.CharField("摘要", max_length=64)
    # The record's freeze root; compared with the published freeze when shown.
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
            models.UniqueConstraint(fields=("section_code", "round"), name="disclosure_opening_record_round_once"),
        )

    def __str__(self) -> str:
        return f"{self.section_code} {self.digest[:16]}"


class ExpertDrawCommitment(models.Model):
    """The commitment of a section's expert draw (``experts.draw.committed``), published before the draw.

    Only the announcement: the section, the suite, the commitment and its time — never the pool
    or a name. Whoever later holds the draw's record checks it against ``commitment`` with
    ``zhengwu experts verify-draw --commitment``. Kept as first received.
    """

    section_code = models.CharField("标段（包）编号", max_length=100, unique=True)
    format = models.CharField("格式", max_length=60)
    suite = models.CharField("密码套件", max_length=10)
    commitment = models.CharField("承诺值", max_length=64)
    committed_at = models.DateTimeField("承诺时间")
    payload = models.JSONField("原始事件")
    received_at = models.DateTimeField("接收时间")

    class Meta:
        ordering = ("-committed_at", "-id")

    def __str__(self) -> str:
        return f"{self.section_code} {self.commitment[:16]}"


# After the evaluation: the candidates, the award, the contract ---------------------------------
#
# Each is published once per section and never changes (a second, different version is the
# sender's bug: the public keeps the first). ``payload`` is the event as it arrived.


class CandidatePublicity(models.Model):
    """A section's winning candidates under publicity (中标候选人公示, ``evaluation.candidates.published``).

    With the rejected bids and their reasons, the committee's names (secret until now), the
    digest of the evaluation result and, when the panel was drawn here, the draw's full record,
    which anyone re-runs with ``zhengwu experts verify-draw`` against the published commitment.
    """

    section_code = models.CharField("标段（包）编号", max_length=100, unique=True)
    project_code = models.CharField("项目编号", max_length=100, db_index=True)
    section_name = models.CharField("标段（包）名称", max_length=300)
    method = models.CharField("评标办法", max_length=60)
    outcome = models.CharField("评标结果", max_length=60)
    starts_at = models.DateTimeField("公示开始时间")
    ends_at = models.DateTimeField("公示结束时间")
    candidates = models.JSONField("中标候选人", default=list)
    rejected = models.JSONField("否决投标", default=list)
    committee = models.JSONField("评标委员会", default=list)
    result_digest = models.CharField("评标结果摘要", max_length=128)
    draw_record = models.JSONField("专家抽取记录", null=True, blank=True)
    payload = models.JSONField("原始事件")
    received_at = models.DateTimeField("接收时间")

    class Meta:
        ordering = ("-starts_at", "-id")

    def __str__(self) -> str:
        return f"{self.section_code} 中标候选人公示"


class AwardResult(models.Model):
    """A section's result notice (中标结果公告, ``evaluation.award.decided``): the winner and the savings.

    ``savings_fen`` = ``budget_fen`` − ``price_fen`` (negative when the price is over budget).
    ``passed_over``: candidates ranked above the winner who were not chosen, with the reason.
    """

    section_code = models.CharField("标段（包）编号", max_length=100, unique=True)
    project_code = models.CharField("项目编号", max_length=100, db_index=True)
    section_name = models.CharField("标段（包）名称", max_length=300)
    bidder = models.CharField("中标人", max_length=200)
    uscc = models.CharField("统一社会信用代码", max_length=18)
    rank = models.PositiveSmallIntegerField("中标候选人排名")
    price_fen = models.BigIntegerField("中标金额（分）")
    budget_fen = models.BigIntegerField("预算金额（分）")
    savings_fen = models.BigIntegerField("节约资金（分）")
    notice_number = models.CharField("中标通知书编号", max_length=100)
    decided_at = models.DateTimeField("定标时间")
    passed_over = models.JSONField("未被确定为中标人的排名在前的候选人", default=list)
    contract_due = models.DateField("合同签订期限")
    payload = models.JSONField("原始事件")
    received_at = models.DateTimeField("接收时间")

    class Meta:
        ordering = ("-decided_at", "-id")

    def __str__(self) -> str:
        return f"{self.section_code} {self.bidder}"


class ContractRecord(models.Model):
    """A section's registered contract (合同备案/公开, ``evaluation.contract.registered``), key terms only.

    ``late``: registered more than 30 days after the award notice (招标投标法 第四十六条).
    """

    section_code = models.CharField("标段（包）编号", max_length=100, unique=True)
    project_code = models.CharField("项目编号", max_length=100, db_index=True)
    section_name = models.CharField("标段（包）名称", max_length=300)
    contract_number = models.CharField("合同编号", max_length=100)
    supplier = models.CharField("中标人（乙方）", max_length=200)
    supplier_uscc = models.CharField("统一社会信用代码", max_length=18)
    subject = models.TextField("合同标的")
    amount_fen = models.BigIntegerField("合同价款（分）")
    quality = models.TextField("质量要求", blank=True)
    term = models.TextField("履行期限", blank=True)
    signed_on = models.DateField("签订日期")
    registered_at = models.DateTimeField("备案时间")
    late = models.BooleanField("逾期备案", default=False)
    security_return_due = models.DateField("投标保证金退还期限", null=True, blank=True)
    payload = models.JSONField("原始事件")
    received_at = models.DateTimeField("接收时间")

    class Meta:
        ordering = ("-registered_at", "-id")

    def __str__(self) -> str:
        return f"{self.section_code} {self.contract_number}"


class SectionFailure(models.Model):
    """A section that failed (流标), announced on the public site with why; it is then tendered again.

    From ``tendering.section.status_changed`` when the status is ``failed``: too few bids at the
    deadline, too few qualified applicants, or every bid rejected by the committee.
    """

    section_code = models.CharField(max_length=40, unique=True)
    project_code = models.CharField(max_length=40)
    section_name = models.CharField(max_length=200)
    reason = models.CharField(max_length=60)
    failed_at = models.DateTimeField()
    received_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"failure {self.section_code}"


class PublishedTreeHead(models.Model):
    """A platform's signed audit tree head, as that platform sent it (``audit.tree_head.sealed``).

    Kept verbatim with its signature so anyone can re-check it; a second head of the same size
    with another root is never stored over the first (the first is what the public was shown).
    """

    platform = models.CharField(max_length=40)
    tree_size = models.BigIntegerField()
    root_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    # The exact signed text of ``created_at`` (``audit.chain.instant_text``).
    created_text = models.CharField(max_length=40)
    suite = models.CharField(max_length=16)
    key_id = models.CharField(max_length=32)
    public_key = models.CharField(max_length=64)
    signature = models.CharField(max_length=128)
    received_at = models.DateTimeField()

    class Meta:
        ordering = ("platform", "-tree_size")
        constraints = (models.UniqueConstraint(fields=("platform", "tree_size"), name="disclosure_tree_head_unique"),)

    def __str__(self) -> str:
        return f"{self.platform} tree head of {self.tree_size}"


# Open data (OCDS 1.1.5) ---------------------------------------------------------------------
#
# Built from the same events as the read models above, in the same transactions (``ocds.store``).


class OcdsRelease(models.Model):
    """One OCDS release: what one event said about one contracting process (section). Never changed.

    ``seq`` orders the releases for the API's cursor: assigned under a lock held to the commit, it
    grows in commit order, so a client that pages past a number never misses a release committed
    later. A release that fails the profile's schema is kept with its ``errors`` and ``valid`` off,
    and is not published (not in the API, the records or the bulk files).
    """

    seq = models.PositiveBigIntegerField("序号", unique=True)
    ocid = models.CharField("开放合同标识", max_length=200, db_index=True)
    release_id = models.CharField("发布标识", max_length=200)
    date = models.DateTimeField("发布日期", db_index=True)
    tags = models.JSONField("标签", default=list)
    data = models.JSONField("发布内容")
    valid = models.BooleanField("通过校验", default=True)
    errors = models.JSONField("校验错误", default=list)
    event_type = models.CharField("来源事件", max_length=100)
    message_id = models.CharField("来源消息", max_length=100, blank=True)
    published_at = models.DateTimeField("入库时间")

    class Meta:
        ordering = ("seq",)
        constraints = (models.UniqueConstraint(fields=("ocid", "release_id"), name="disclosure_ocds_release_once"),)

    def __str__(self) -> str:
        return f"{self.ocid}/{self.release_id}"


class OcdsRecord(models.Model):
    """A contracting process's record: its published releases compiled into the current state.

    Recomputed in the transaction that adds a valid release. The versioned release (every field's
    history) is computed on request: a few milliseconds for a section's handful of releases.
    """

    ocid = models.CharField("开放合同标识", max_length=200, unique=True)
    compiled = models.JSONField("汇编发布")
    release_count = models.PositiveIntegerField("发布数")
    last_date = models.DateTimeField("最近发布日期")
    valid = models.BooleanField("通过校验", default=True)
    errors = models.JSONField("校验错误", default=list)
    updated_at = models.DateTimeField("更新时间")

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return self.ocid


# The upward push (city → province → nation) ------------------------------------------------
#
# Sending: every record of the national datasets this platform produces (``UpwardRecord``, at
# its latest version) and each version queued for the higher-level platform with what became of
# it (``UpwardSubmission``). Receiving, when this installation is the higher level: the records
# lower-level platforms reported (``UpwardReceived``) and every distinct submission with the
# answer given (``UpwardReceipt``).


class UpwardRecord(models.Model):
    """A record of a national dataset this platform reports upward, at its latest version.

    ``identity`` names what it is about within its dataset; ``data_key`` is derived from it and
    never changes. ``fields`` is the dataset's fields in order (``[[name, value], …]``), and
    ``digest`` their SHA-256, so that an event delivered again changes nothing. ``facts`` are kept
    for the datasets that follow (a section's trade type, deal code, names …), never pushed.
    """

    data_no = models.PositiveIntegerField("数据集编号")
    identity = models.CharField("记录标识", max_length=300)
    data_key = models.CharField("DATA_KEY", max_length=22, unique=True)
    stream = models.CharField("推送顺序", max_length=200)
    section_code = models.CharField("标段（包）编号", max_length=100, blank=True, db_index=True)
    fields = models.JSONField("字段", default=list)
    facts = models.JSONField("关联信息", default=dict)
    digest = models.CharField("摘要", max_length=64)
    version = models.PositiveIntegerField("版本")
    data_timestamp = models.CharField("DATA_TIMESTAMP", max_length=14)
    created_at = models.DateTimeField("生成时间")
    updated_at = models.DateTimeField("更新时间")

    class Meta:
        ordering = ("id",)
        constraints = (models.UniqueConstraint(fields=("data_no", "identity"), name="disclosure_upward_record_once"),)

    def __str__(self) -> str:
        return f"{self.data_no} {self.identity} v{self.version}"


class UpwardSubmission(models.Model):
    """One version of a record, queued for the higher-level platform, and its receipt.

    ``message_id`` is the outbox message that carries it (the relay retries it with back-off).
    ``pending`` until the higher level answers: ``acknowledged`` ({"STATUS":"1"}) or ``rejected``
    ({"STATUS":"-1","MSG":…}, kept in ``reply``; not sent again unless an operator resends it).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "待上报"
        ACKNOWLEDGED = "acknowledged", "已确认"
        REJECTED = "rejected", "被拒收"

    record = models.ForeignKey(UpwardRecord, on_delete=models.PROTECT, related_name="submissions")
    data_no = models.PositiveIntegerField("数据集编号")
    version = models.PositiveIntegerField("版本")
    data_type = models.PositiveSmallIntegerField("DATA_TYPE")
    data_timestamp = models.CharField("DATA_TIMESTAMP", max_length=14)
    message_id = models.UUIDField("消息标识", unique=True)
    status = models.CharField("状态", max_length=14, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    reply = models.TextField("回执信息", blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField("入队时间")

    class Meta:
        ordering = ("id",)
        constraints = (models.UniqueConstraint(fields=("record", "version"), name="disclosure_upward_submission_once"),)
        indexes = (models.Index(fields=("data_no", "status"), name="disclosure_upward_sub_status"),)

    def __str__(self) -> str:
        return f"{self.data_no} v{self.version} {self.status}"


class UpwardReceived(models.Model):
    """A record a lower-level platform reported here, as last accepted (the provincial side).

    Keyed by the sender and DATA_KEY; ``data_timestamp`` orders its versions. ``tender_project_code``
    is kept for the 招标项目 (501) records, which the records of later datasets must refer to.
    """

    source = models.CharField("报送平台", max_length=40)
    data_no = models.PositiveIntegerField("数据集编号")
    data_key = models.CharField("DATA_KEY", max_length=22)
    tender_project_code = models.CharField("招标项目编号", max_length=40, blank=True)
    fields = models.JSONField("字段", default=dict)
    data_type = models.PositiveSmallIntegerField("DATA_TYPE")
    data_timestamp = models.CharField("DATA_TIMESTAMP", max_length=14, blank=True)
    deleted = models.BooleanField("已删除", default=False)
    first_received_at = models.DateTimeField("首次接收时间")
    updated_at = models.DateTimeField("更新时间")

    class Meta:
        ordering = ("id",)
        constraints = (models.UniqueConstraint(fields=("source", "data_key"), name="disclosure_upward_received_key"),)
        indexes = (
            models.Index(fields=("source", "data_no", "tender_project_code"), name="disclosure_upward_rcv_parent"),
        )

    def __str__(self) -> str:
        return f"{self.source} {self.data_no} {self.data_key}"


class UpwardReceipt(models.Model):
    """One distinct submission received from a lower-level platform and the answer it was given.

    A submission is (sender, DATA_KEY, DATA_TYPE, DATA_TIMESTAMP): sent again, it is answered the
    same way and counted once; one that was refused is judged again (its parent may have arrived).
    """

    class Status(models.TextChoices):
        ACCEPTED = "accepted", "已接收"
        REJECTED = "rejected", "已拒收"

    source = models.CharField("报送平台", max_length=40)
    data_no = models.PositiveIntegerField("数据集编号")
    data_key = models.CharField("DATA_KEY", max_length=22)
    data_type = models.PositiveSmallIntegerField("DATA_TYPE")
    data_timestamp = models.CharField("DATA_TIMESTAMP", max_length=14, blank=True)
    digest = models.CharField("摘要", max_length=64)
    status = models.CharField("状态", max_length=10, choices=Status.choices)
    message = models.TextField("回执信息", blank=True)
    times = models.PositiveIntegerField("接收次数", default=1)
    received_at = models.DateTimeField("首次接收时间")
    answered_at = models.DateTimeField("最近答复时间")

    class Meta:
        ordering = ("id",)
        constraints = (
            models.UniqueConstraint(
                fields=("source", "data_key", "data_type", "data_timestamp"), name="disclosure_upward_receipt_once"
            ),
        )
        indexes = (models.Index(fields=("source", "data_no", "status"), name="disclosure_upward_rcpt_status"),)

    def __str__(self) -> str:
        return f"{self.source} {self.data_key} {self.status}"


# The service centre's public information ------------------------------------------------------
#
# Built from the centre's snapshot events (``center.events``): each message carries the whole
# current state of its subject and replaces what is stored, unless it is older than what is
# stored (``changed_at``, then the message's place in its stream). Nothing personal is kept:
# the centre sends leaders by name and title, and no reader of the library.


class CentreHall(models.Model):
    """The hall's information as the centre last sent it (``center.hall.changed``): one row."""

    hours = models.JSONField("开放时间", default=list)
    amenities = models.JSONField("服务设施", default=list)
    windows = models.JSONField("窗口", default=list)
    announcements = models.JSONField("公告", default=list)
    changed_at = models.DateTimeField("更新时间")
    sequence = models.BigIntegerField("消息序号", default=0)
    received_at = models.DateTimeField("接收时间")

    def __str__(self) -> str:
        return f"hall as of {self.changed_at}"


class CentreRoster(models.Model):
    """A year's published duty roster as the centre last sent it (``center.roster.published``)."""

    year = models.PositiveIntegerField("年度", unique=True)
    published_at = models.DateTimeField("发布时间")
    changed_at = models.DateTimeField("更新时间")
    sequence = models.BigIntegerField("消息序号", default=0)
    received_at = models.DateTimeField("接收时间")

    class Meta:
        ordering = ("-year",)

    def __str__(self) -> str:
        return str(self.year)


class CentreDuty(models.Model):
    """One department's leader on one duty day of a published roster; replaced with its year's message."""

    roster = models.ForeignKey(CentreRoster, on_delete=models.CASCADE, related_name="duties")
    position = models.PositiveIntegerField("序号")  # the order the centre sent (day, then department)
    day = models.DateField("值班日")
    department = models.CharField("部门", max_length=100)
    leader = models.CharField("领导", max_length=50)
    title = models.CharField("职务", max_length=50)
    status = models.CharField("状态", max_length=10)

    class Meta:
        ordering = ("day", "position")
        indexes = (models.Index(fields=("day", "position"), name="disclosure_centre_duty_day"),)

    def __str__(self) -> str:
        return f"{self.day} {self.department}"


class LibraryTitle(models.Model):
    """A title of the centre's library as last sent (``center.library.title_changed``), with availability.

    A withdrawn title stays here, marked, so that an older message arriving late cannot bring it
    back; the public catalogue leaves it out.
    """

    key = models.CharField("标识", max_length=20, unique=True)
    kind = models.CharField("类型", max_length=12)
    isbn = models.CharField("ISBN", max_length=13, blank=True, db_index=True)
    title = models.CharField("题名", max_length=300)
    author = models.CharField("责任者", max_length=200, blank=True)
    publisher = models.CharField("出版者", max_length=200, blank=True)
    year = models.PositiveSmallIntegerField("出版年", null=True, blank=True)
    category = models.CharField("分类号", max_length=20, blank=True)
    call_number = models.CharField("索书号", max_length=50, blank=True)
    summary = models.TextField("简介", blank=True)
    recommended_at = models.DateTimeField("推荐时间", null=True, blank=True)
    copies_total = models.PositiveIntegerField("馆藏")
    copies_available = models.PositiveIntegerField("在架")
    withdrawn = models.BooleanField("已下架", default=False)
    changed_at = models.DateTimeField("更新时间")
    sequence = models.BigIntegerField("消息序号", default=0)
    received_at = models.DateTimeField("接收时间")

    class Meta:
        ordering = ("title", "key")

    def __str__(self) -> str:
        return self.title
