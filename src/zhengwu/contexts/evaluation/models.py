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
    version = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"evaluation {self.section_code}"


class Member(models.Model):
    """One seat on the committee (评标委员会成员), from an accepted expert assignment."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="members")
    expert_id = models.CharField(max_length=36)  # the expert's public uuid
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
