"""The evaluation room (评标室) of one section: the committee, its compliance review, score sheets and report.

Who sits on the committee is copied from the experts context when the evaluation is created (the
accepted seats); bids are never copied: the room reads them from bidding's selectors by their
public id. Scores are stored as typed (text), so a draft keeps exactly what the member entered.
"""

from __future__ import annotations

from django.db import models

from zhengwu.kernel.ids import id_new


class Evaluation(models.Model):
    """One section's evaluation: the method configuration and its stage."""

    class Status(models.TextChoices):
        REVIEWING = "reviewing", "评审中"
        COMPLETE = "complete", "评标报告已签署"

    uuid = models.UUIDField(unique=True, default=id_new, editable=False)
    section_uuid = models.UUIDField()
    section_code = models.CharField("标段编号", max_length=40, unique=True)
    project_code = models.CharField("项目编号", max_length=40)
    # The method as configured from the tender documents (see evaluation.config).
    method = models.JSONField("评标办法")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REVIEWING)
    created_at = models.DateTimeField()
    created_by_username = models.CharField(max_length=150)
    completed_at = models.DateTimeField(null=True, blank=True)
    # The result every member signed, as plain JSON with its digest, kept when the report completes:
    # what follows (publicity, award) reads this, not a recomputation.
    result = models.JSONField(null=True, blank=True)
    result_digest = models.CharField(max_length=64, blank=True)
    version = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"evaluation {self.section_code}"


class Member(models.Model):
    """One seat on the committee (评标委员会成员), from an accepted expert assignment."""

    class Kind(models.TextChoices):
        EXPERT = "expert", "评标专家"
        REPRESENTATIVE = "representative", "招标人代表"

    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="members")
    # The expert's public uuid; for a tenderer's representative "rep:<user id>" (one seat per person).
    expert_id = models.CharField(max_length=36)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.EXPERT)
    name = models.CharField(max_length=50)
    user_id = models.BigIntegerField(null=True, blank=True)
    is_leader = models.BooleanField("组长", default=False)
    leader_vote = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ("evaluation_id", "id")
        constraints = (models.UniqueConstraint(fields=("evaluation", "expert_id"), name="evaluation_member_once"),)

    def __str__(self) -> str:
        return f"member {self.expert_id}"


class ComplianceMark(models.Model):
    """One member's verdict on one bid in the compliance review (符合性审查)."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="marks")
    bid_id = models.CharField(max_length=36)
    compliant = models.BooleanField()
    reason = models.CharField(max_length=40, blank=True)  # rules.bids.DisqualificationReason
    note = models.TextField(blank=True)
    marked_at = models.DateTimeField()

    class Meta:
        ordering = ("member_id", "bid_id")
        constraints = (models.UniqueConstraint(fields=("member", "bid_id"), name="evaluation_mark_once"),)

    def __str__(self) -> str:
        return f"mark {self.member_id}:{self.bid_id}"


class Sheet(models.Model):
    """One member's score sheet: every valid bid, every item; a draft until submitted, then locked."""

    member = models.OneToOneField(Member, on_delete=models.PROTECT, related_name="sheet")
    scores = models.JSONField(default=dict)  # bid id → item code → the text as typed
    updated_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"sheet {self.member_id}"


class Signature(models.Model):
    """A member's signature of the evaluation report, with written dissent where they disagree."""

    member = models.OneToOneField(Member, on_delete=models.PROTECT, related_name="signature")
    agrees = models.BooleanField()
    dissent = models.TextField(blank=True)
    result_digest = models.CharField(max_length=64)
    signed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"signature {self.member_id}"


class Publicity(models.Model):
    """The winning candidates' publicity (中标候选人公示) as published: period and candidates.

    ``candidates`` is the list the public saw (rank, bid, bidder, price, score), kept as published
    so the award is checked against exactly it.
    """

    evaluation = models.OneToOneField(Evaluation, on_delete=models.PROTECT, related_name="publicity")
    starts_at = models.DateTimeField("公示开始")
    ends_at = models.DateTimeField("公示截止")
    late = models.BooleanField("逾期公示", default=False)
    candidates = models.JSONField()
    published_by_username = models.CharField(max_length=150)

    def __str__(self) -> str:
        return f"publicity {self.evaluation_id}"


class Award(models.Model):
    """The award (定标) and its notice (中标通知书), the written report and the budget savings.

    ``savings_fen`` = ``budget_fen`` − ``price_fen`` (预算金额 − 中标金额), recorded when decided.
    ``contract_due`` and ``report_due`` are the last instants the law allows (exclusive bounds).
    """

    evaluation = models.OneToOneField(Evaluation, on_delete=models.PROTECT, related_name="award")
    bid_id = models.CharField(max_length=36)
    bidder = models.CharField("中标人", max_length=200)
    bidder_uscc = models.CharField(max_length=18)
    rank = models.PositiveSmallIntegerField("中标候选人排名")
    price_fen = models.BigIntegerField("中标金额（分）")
    budget_fen = models.BigIntegerField("预算金额（分）")
    savings_fen = models.BigIntegerField("节约资金（分）")
    passed_over = models.JSONField(default=list)
    notice_number = models.CharField("中标通知书编号", max_length=60, unique=True)
    decided_at = models.DateTimeField("定标时间")
    decided_by_username = models.CharField(max_length=150)
    contract_due = models.DateTimeField("合同签订期限")
    report_due = models.DateTimeField("书面报告期限", null=True, blank=True)
    report_text = models.TextField("招标投标情况书面报告", blank=True)
    report_submitted_at = models.DateTimeField(null=True, blank=True)
    report_submitted_by_username = models.CharField(max_length=150, blank=True)

    def __str__(self) -> str:
        return f"award {self.notice_number}"


class Contract(models.Model):
    """The written contract with the winner, registered with its key terms (合同的主要条款)."""

    award = models.OneToOneField(Award, on_delete=models.PROTECT, related_name="contract")
    number = models.CharField("合同编号", max_length=60)
    subject = models.CharField("合同标的", max_length=300)
    amount_fen = models.BigIntegerField("合同价款（分）")
    quality = models.CharField("质量要求", max_length=300)
    term = models.CharField("履行期限", max_length=200)
    signed_on = models.DateField("签订日期")
    late = models.BooleanField("逾期签订", default=False)
    security_return_due = models.DateTimeField("投标保证金退还期限")
    registered_at = models.DateTimeField()
    registered_by_username = models.CharField(max_length=150)

    def __str__(self) -> str:
        return f"contract {self.number}"


class Adjustment(models.Model):
    """A quantified price adjustment of 经评审的最低投标价法, as the committee agreed it (recorded by its leader).

    The tender documents say how each factor becomes money; the adjustment moves the evaluated
    price (the ranking), never the contract price.
    """

    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="adjustments")
    bid_id = models.CharField(max_length=36)
    code = models.CharField("调整因素", max_length=40)
    amount_fen = models.BigIntegerField("调整金额（分）")
    reason = models.CharField("依据", max_length=300)
    recorded_by_username = models.CharField(max_length=150)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ("bid_id", "code")
        constraints = (
            models.UniqueConstraint(fields=("evaluation", "bid_id", "code"), name="evaluation_adjustment_once"),
        )

    def __str__(self) -> str:
        return f"adjustment {self.bid_id}:{self.code}"


class FlagAnswer(models.Model):
    """A member's answer to a score flagged as deviating from the committee's mean: confirmed, with why.

    Keyed by the score as it stood: if the member revises the sheet and the score changes, the
    answer no longer covers the new flag (if any). A member who prefers to revise reopens the
    sheet instead (``sheet_reopen``).
    """

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="flag_answers")
    bid_id = models.CharField(max_length=36)
    item_code = models.CharField(max_length=40, blank=True)  # "" for the member's total on the bid
    score = models.CharField(max_length=20)
    reason = models.TextField()
    answered_at = models.DateTimeField()

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("member", "bid_id", "item_code", "score"), name="evaluation_flag_once"),
        )

    def __str__(self) -> str:
        return f"flag answer {self.member_id}:{self.bid_id}:{self.item_code}"
