"""Bidder keys, opening keys and their custody, sealed bids, receipts and the freeze at the deadline.

Sections belong to the tendering context: they are referred to by uuid and a copy of their code,
never by a foreign key into another context's tables.

What is secret here, and from whom (architecture §5): the content of every bid from everyone
until the opening — the platform stores only ciphertext, and the keys that open it are split
among custodians (``CustodyShare`` holds each share encrypted to its custodian's own key); and
who has bid (``BidUpload``, ``Bid``, ``Receipt``) from everyone but the bidder itself until the
deadline. Only the gatekeeper selectors in ``selectors.py`` read those rows for people.
"""

from __future__ import annotations

from django.db import models

from zhengwu.kernel.ids import id_new


class BidderKey(models.Model):
    """A bidder organisation's registered public keys: Ed25519 to sign its bids, X25519 to co-decrypt.

    Made by ``zhengwu bid keygen`` on the bidder's machine; the private halves never reach the
    platform. One key is active per organisation; a replaced key stays, so bids signed with it
    can still be verified.
    """

    uuid = models.UUIDField(unique=True, default=id_new, editable=False)
    organisation_id = models.BigIntegerField()
    organisation_name = models.CharField(max_length=200)
    organisation_uscc = models.CharField(max_length=18)
    signing_public = models.CharField("签名公钥", max_length=64)
    signing_key_id = models.CharField("签名公钥标识", max_length=16, db_index=True)
    agreement_public = models.CharField("解密公钥", max_length=64)
    agreement_fingerprint = models.CharField("解密公钥指纹", max_length=64)
    registered_at = models.DateTimeField()
    registered_by_username = models.CharField(max_length=150)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-registered_at", "-id")
        constraints = (
            models.UniqueConstraint(
                fields=("organisation_id",),
                condition=models.Q(revoked_at__isnull=True),
                name="bidding_bidder_key_one_active",
            ),
        )

    def __str__(self) -> str:
        return f"{self.organisation_name} {self.signing_key_id}"


class CustodianKey(models.Model):
    """A custodian's X25519 public key: its share of every opening key is sealed to it.

    ``holder`` is an organisation's custody key (the tenderer's or agency's officer keeps the
    private half offline) or a platform's (``platform:supervision``, held by the supervision
    deployable).
    """

    holder = models.CharField(max_length=80)  # "org:<id>" or "platform:<name>"
    institution = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    public = models.CharField("保管公钥", max_length=64)
    fingerprint = models.CharField("保管公钥指纹", max_length=64)
    registered_at = models.DateTimeField()
    registered_by_username = models.CharField(max_length=150)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-registered_at", "-id")
        constraints = (
            models.UniqueConstraint(
                fields=("holder",), condition=models.Q(revoked_at__isnull=True), name="bidding_custodian_key_one_active"
            ),
        )

    def __str__(self) -> str:
        return f"{self.holder} {self.fingerprint[:16]}"


class OpeningKey(models.Model):
    """The public half of one section's opening key for one envelope, published with the notice.

    The private half was split among the custodians and dropped at the ceremony; what remains
    is the public key, its fingerprint and the sealed shares.
    """

    uuid = models.UUIDField(unique=True, default=id_new, editable=False)
    section_uuid = models.UUIDField()
    section_code = models.CharField(max_length=40)
    envelope = models.CharField("信封", max_length=20)
    suite = models.CharField(max_length=10, default="intl")
    public = models.CharField("开标公钥", max_length=64)
    fingerprint = models.CharField("开标公钥指纹", max_length=64)
    threshold = models.PositiveSmallIntegerField("恢复门限")
    # Where the tender requires the bidder's own key as well (bidders decrypt online at the opening).
    bidder_key_required = models.BooleanField("须投标人共同解密", default=False)
    created_at = models.DateTimeField()
    created_by_username = models.CharField(max_length=150)

    class Meta:
        ordering = ("section_code", "envelope")
        constraints = (models.UniqueConstraint(fields=("section_uuid", "envelope"), name="bidding_opening_key_once"),)

    def __str__(self) -> str:
        return f"{self.section_code}/{self.envelope} {self.fingerprint[:16]}"


class CustodyShare(models.Model):
    """One custodian's share of an opening key, sealed to that custodian's key; released after the freeze."""

    opening_key = models.ForeignKey(OpeningKey, on_delete=models.PROTECT, related_name="shares")
    holder = models.CharField(max_length=80)
    institution = models.CharField(max_length=40)
    custodian_fingerprint = models.CharField(max_length=64)
    blob = models.BinaryField()
    # The decrypted share handed in at the opening (only after the freeze is published).
    released_at = models.DateTimeField(null=True, blank=True)
    released_by_username = models.CharField(max_length=150, blank=True)
    released_share = models.TextField(blank=True)

    class Meta:
        ordering = ("opening_key_id", "id")
        constraints = (models.UniqueConstraint(fields=("opening_key", "holder"), name="bidding_share_once"),)

    def __str__(self) -> str:
        return f"share {self.opening_key_id} {self.holder}"


class BidUpload(models.Model):
    """A sealed file being uploaded in chunks; it becomes a ``Bid`` when committed. SECRET."""

    class Status(models.TextChoices):
        OPEN = "open", "上传中"
        COMMITTED = "committed", "已提交"
        REFUSED = "refused", "已拒绝"

    uuid = models.UUIDField(unique=True, default=id_new, editable=False)
    section_uuid = models.UUIDField()
    section_code = models.CharField(max_length=40)
    envelope = models.CharField(max_length=20)
    organisation_id = models.BigIntegerField()
    user_id = models.BigIntegerField(null=True, blank=True)
    username = models.CharField(max_length=150)
    declared_size = models.BigIntegerField()
    declared_digest = models.CharField(max_length=64)
    received_size = models.BigIntegerField(default=0)
    storage_name = models.CharField(max_length=500)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    refusal_code = models.CharField(max_length=60, blank=True)
    started_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ("started_at", "id")

    def __str__(self) -> str:
        return f"upload {self.uuid}"


class Bid(models.Model):
    """An accepted sealed bid: ciphertext on storage, its commitment and the bidder's signature. SECRET.

    A replacement before the deadline marks the earlier bid ``replaced``; a withdrawal marks it
    ``withdrawn``. At most one bid per organisation, section and envelope is ``accepted``.
    """

    class Status(models.TextChoices):
        ACCEPTED = "accepted", "已接收"
        REPLACED = "replaced", "已被替换"
        WITHDRAWN = "withdrawn", "已撤回"

    class Security(models.TextChoices):
        UNPAID = "unpaid", "未缴纳"
        PAID = "paid", "已缴纳"
        GUARANTEE = "guarantee", "保函"
        NOT_REQUIRED = "not_required", "无需缴纳"

    uuid = models.UUIDField(unique=True, default=id_new, editable=False)
    section_uuid = models.UUIDField()
    section_code = models.CharField(max_length=40)
    envelope = models.CharField(max_length=20)
    organisation_id = models.BigIntegerField()
    organisation_name = models.CharField(max_length=200)
    organisation_uscc = models.CharField(max_length=18)
    digest = models.CharField("密文摘要", max_length=64)
    size = models.BigIntegerField("字节数")
    header_digest = models.CharField(max_length=64)
    commitment = models.JSONField()
    signature = models.CharField(max_length=100)
    signer_key_id = models.CharField(max_length=16)
    storage_name = models.CharField(max_length=500)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACCEPTED)
    accepted_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    security_status = models.CharField("投标保证金", max_length=20, choices=Security.choices, default=Security.UNPAID)
    security_recorded_at = models.DateTimeField(null=True, blank=True)
    security_recorded_by_username = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ("accepted_at", "id")
        constraints = (
            models.UniqueConstraint(
                fields=("section_uuid", "envelope", "organisation_id"),
                condition=models.Q(status="accepted"),
                name="bidding_bid_one_accepted",
            ),
        )

    def __str__(self) -> str:
        return f"bid {self.uuid}"


class Receipt(models.Model):
    """The platform's signed receipt for an accepted, replacing or withdrawing act: the legal proof."""

    class Kind(models.TextChoices):
        ACCEPTED = "accepted", "投标文件接收回执"
        WITHDRAWN = "withdrawn", "撤回回执"

    uuid = models.UUIDField(unique=True, default=id_new, editable=False)
    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="receipts")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    section_uuid = models.UUIDField(db_index=True)
    # Canonical JSON of what was signed (hash, size, server time, …), exactly as signed.
    body = models.TextField()
    signature = models.CharField(max_length=100)
    key_id = models.CharField(max_length=16)
    issued_at = models.DateTimeField()

    class Meta:
        ordering = ("issued_at", "id")

    def __str__(self) -> str:
        return f"receipt {self.uuid}"


class Freeze(models.Model):
    """The accepted bids of a section at its deadline, frozen into a signed Merkle root and published."""

    section_uuid = models.UUIDField(unique=True)
    section_code = models.CharField(max_length=40)
    frozen_at = models.DateTimeField()
    deadline = models.DateTimeField()
    leaf_count = models.PositiveIntegerField()
    root = models.CharField(max_length=64)
    # The receipts of the accepted bids, in leaf order (uuids), so each bidder can get its proof.
    receipts = models.JSONField()
    body = models.TextField()
    signature = models.CharField(max_length=100)
    key_id = models.CharField(max_length=16)

    class Meta:
        ordering = ("-frozen_at", "-id")

    def __str__(self) -> str:
        return f"freeze {self.section_code} {self.root[:16]}"


class Opening(models.Model):
    """One online opening (网上开标) of a section: its stage, windows and signed record.

    A single-envelope tender has one. A two-envelope tender has two rounds: the technical
    envelopes first; the commercial envelopes of those still in the competition after the
    technical evaluation at a second opening, each round with its own record.
    """

    class Stage(models.TextChoices):
        DECRYPTING = "decrypting", "解密"
        READING_OUT = "reading_out", "唱标"
        RECORDED = "recorded", "开标记录已发布"

    uuid = models.UUIDField(unique=True, default=id_new, editable=False)
    section_uuid = models.UUIDField()
    section_code = models.CharField(max_length=40)
    round = models.PositiveSmallIntegerField("开标轮次", default=1)
    envelopes = models.JSONField("本轮开启的信封", default=list)
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.DECRYPTING)
    host_username = models.CharField("开标主持人", max_length=150)
    started_at = models.DateTimeField()
    decrypt_deadline = models.DateTimeField("解密截止时间")
    readout_at = models.DateTimeField(null=True, blank=True)
    objection_deadline = models.DateTimeField("开标异议截止时间", null=True, blank=True)
    # The signed opening record (开标记录): canonical JSON exactly as signed.
    record_body = models.TextField(blank=True)
    record_signature = models.CharField(max_length=100, blank=True)
    record_key_id = models.CharField(max_length=16, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ("-started_at", "-id")
        constraints = (models.UniqueConstraint(fields=("section_uuid", "round"), name="bidding_opening_round_once"),)

    def __str__(self) -> str:
        return f"opening {self.section_code} #{self.round}"


class OpeningEntry(models.Model):
    """One frozen bid at the opening: decrypted and read out, or not — with the cause and its effect."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "待解密"
        OPENED = "opened", "已解密"
        REVOKED = "revoked", "视为撤销投标文件"
        WITHDRAWN = "withdrawn", "视为撤回投标文件"

    opening = models.ForeignKey(Opening, on_delete=models.PROTECT, related_name="entries")
    bid = models.OneToOneField(Bid, on_delete=models.PROTECT, related_name="opening_entry")
    position = models.PositiveIntegerField()  # the bid's leaf index in the freeze
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.PENDING)
    failure_cause = models.CharField(max_length=40, blank=True)
    # The evidence behind an outcome: error codes, times, what was missing.
    evidence = models.JSONField(default=dict)
    # The bidder's half of the data key, unwrapped on its own machine and handed in at the opening.
    bidder_share = models.CharField(max_length=100, blank=True)
    bidder_share_at = models.DateTimeField(null=True, blank=True)
    readout = models.JSONField(null=True, blank=True)
    files = models.JSONField(default=list)  # [{name, size, digest, storage_name}] of the opened bid
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("opening_id", "position")

    def __str__(self) -> str:
        return f"entry {self.opening_id}/{self.position}"


class OpeningObjection(models.Model):
    """An objection raised at the opening, answered on the spot (招标投标法实施条例 第四十四条)."""

    uuid = models.UUIDField(unique=True, default=id_new, editable=False)
    opening = models.ForeignKey(Opening, on_delete=models.PROTECT, related_name="objections")
    organisation_id = models.BigIntegerField()
    organisation_name = models.CharField(max_length=200)
    text = models.TextField()
    filed_at = models.DateTimeField()
    reply = models.TextField(blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    replied_by_username = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ("filed_at", "id")

    def __str__(self) -> str:
        return f"opening objection {self.uuid}"


class CommercialExclusion(models.Model):
    """A bidder whose commercial envelope stays sealed: the technical evaluation rejected its bid.

    In a two-envelope tender (双信封) only bidders who pass the technical evaluation have their
    commercial envelopes opened; the others' are never decrypted (and are returned unopened).
    Recorded by the evaluation context when its technical review concludes, before the
    commercial round starts.
    """

    section_code = models.CharField(max_length=40)
    organisation_id = models.BigIntegerField()
    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="+")  # the technical envelope's bid
    reason = models.CharField(max_length=40)
    recorded_at = models.DateTimeField()

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("section_code", "organisation_id"), name="bidding_exclusion_once"),
        )

    def __str__(self) -> str:
        return f"exclusion {self.section_code}:{self.organisation_id}"
