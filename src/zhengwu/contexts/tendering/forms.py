"""Forms of the trading platform's tendering pages.

They check shape only (a field is there, a date parses); the services decide what is lawful.
Money stays text until the service turns it into fen, so that "12.345" or "abc" reaches the
one place that says precisely what is wrong with it. Dates and times are entered in Beijing
time, whatever the browser's zone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from zhengwu.contexts.tendering import rules
from zhengwu.contexts.tendering.models import TRADE_TYPE_LABELS, Notice, Section
from zhengwu.kernel.clock import CHINA_TZ, clock_now
from zhengwu.kernel.errors import ZhengwuError

DATETIME_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S")
DRAFT_KINDS = (Notice.Kind.TENDER, Notice.Kind.INVITATION, Notice.Kind.PREQUALIFICATION, Notice.Kind.AMENDMENT)


class ChinaDateTimeField(forms.Field):
    """A date and time typed as Beijing time (``datetime-local`` input), returned timezone-aware."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    default_error_messages: ClassVar[dict[str, Any]] = {"invalid": "时间格式应为 年-月-日 时:分，例如 2026-03-24 09:30"}

    def to_python(self, value: Any) -> dt.datetime | None:
        if value in (None, ""):
            return None
        if isinstance(value, dt.datetime):
            return value if value.tzinfo else value.replace(tzinfo=CHINA_TZ)
        text = str(value).strip()
        for fmt in DATETIME_FORMATS:
            try:
                return dt.datetime.strptime(text, fmt).replace(tzinfo=CHINA_TZ)
            except ValueError:
                continue
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return value.astimezone(CHINA_TZ).strftime("%Y-%m-%dT%H:%M")
        return value


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


def procedure_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Procedures grouped by trade type, each named by the rule set in force today."""
    today = clock_now().astimezone(CHINA_TZ).date()
    groups: dict[str, list[tuple[str, str]]] = {}
    for procedure in rules.Procedure:
        try:
            title = rules.ruleset_for(procedure=procedure.value, on=today).title
        except ZhengwuError:  # a procedure without rules in force today is not offered
            continue
        trade_type = procedure.value.split(".", 1)[0]
        groups.setdefault(trade_type, []).append((procedure.value, title))
    return [(TRADE_TYPE_LABELS.get(t, t), items) for t, items in groups.items()]


class ProjectForm(forms.Form):
    name = forms.CharField(label=_("Project name"), max_length=200)
    procedure = forms.ChoiceField(label=_("Procedure"), choices=())
    tenderer_uscc = forms.CharField(
        label=_("Tenderer's unified social credit code (agencies: the tenderer that appointed you)"),
        max_length=64,
        required=False,
    )
    funding_source = forms.CharField(label=_("Funding source"), max_length=200)
    budget_yuan = forms.CharField(label=_("Budget or estimated price (yuan)"), max_length=40)
    region_code = forms.CharField(label=_("Region code"), max_length=6, initial="530100")
    industry_code = forms.CharField(label=_("Industry code"), max_length=3)

    def __init__(self, *args: Any, agency: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "procedure").choices = procedure_choices()
        if not agency:
            del self.fields["tenderer_uscc"]


class SectionForm(forms.Form):
    name = forms.CharField(label=_("Section name"), max_length=200)
    estimate_yuan = forms.CharField(label=_("Estimated price (yuan)"), max_length=40)
    bid_security_yuan = forms.CharField(label=_("Bid security (yuan)"), max_length=40, required=False)
    # Or the security as a ratio of the estimate ("2%" or "0.02"): one of the two, never both.
    bid_security_ratio = forms.CharField(
        label=_("or bid security as a ratio of the estimate (e.g. 2%)"), max_length=20, required=False
    )
    document_price_yuan = forms.CharField(label=_("Document price (yuan)"), max_length=40, initial="0")


class NoticeForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=[(k.value, k.label) for k in DRAFT_KINDS])
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), max_length=50_000, widget=forms.Textarea(attrs={"rows": 6}))
    sections = forms.MultipleChoiceField(label=_("Sections"), choices=(), widget=forms.CheckboxSelectMultiple)
    doc_issue_start = ChinaDateTimeField(label=_("Documents issued from"), required=False)
    doc_issue_end = ChinaDateTimeField(label=_("Documents issued until"), required=False)
    bid_deadline = ChinaDateTimeField(label=_("Bid deadline"), required=False)
    opening_at = ChinaDateTimeField(label=_("Opening"), required=False)
    activity_start = ChinaDateTimeField(label=_("Listing (bidding) starts"), required=False)
    references = forms.ChoiceField(label=_("Amends notice"), choices=(), required=False)
    affects_bid_preparation = forms.BooleanField(label=_("Affects the preparation of bids"), required=False)
    envelopes = forms.ChoiceField(
        label=_("Sealed bid envelopes"),
        choices=[
            ("single", _("One envelope")),
            ("two", _("Two envelopes: technical first, then commercial")),
        ],
        initial="single",
        required=False,
    )

    def __init__(
        self, *args: Any, sections: Sequence[Section] = (), published: Sequence[Notice] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "sections").choices = [(s.code, f"{s.code} {s.name}") for s in sections]
        _choice_field(self, "references").choices = [("", "—"), *[(str(n.uuid), n.title) for n in published]]


class ApproveForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False)


class DocumentForm(forms.Form):
    file = forms.FileField(label=_("File"))
    section = forms.ChoiceField(label=_("Section"), choices=(), required=False)
    is_public = forms.BooleanField(label=_("Public attachment of the notice"), required=False)
    stage = forms.ChoiceField(
        label=_("Which documents"),
        choices=[("tender", _("Tender documents")), ("prequalification", _("Pre-qualification documents"))],
        required=False,
    )

    def __init__(self, *args: Any, sections: Sequence[Section] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "section").choices = [
            ("", _("Every section")),
            *[(s.code, f"{s.code} {s.name}") for s in sections],
        ]


class AnswerForm(forms.Form):
    body = forms.CharField(label=_("Clarification"), max_length=50_000, widget=forms.Textarea(attrs={"rows": 4}))
    questions = forms.MultipleChoiceField(
        label=_("Questions answered"), choices=(), required=False, widget=forms.CheckboxSelectMultiple
    )
    affects_bid_preparation = forms.BooleanField(
        label=_("Changes the documents in a way that affects the preparation of bids"), required=False
    )

    def __init__(self, *args: Any, questions: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "questions").choices = list(questions)


class ReplyForm(forms.Form):
    # No length check here: the service refuses a reply that is too long with its own code and
    # message (``reply_too_long``), and the page keeps what was typed.
    reply = forms.CharField(label=_("Reply"), widget=forms.Textarea(attrs={"rows": 3, "maxlength": 5_000}))


class TerminateForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2_000, widget=forms.Textarea(attrs={"rows": 3}))


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("Question"), max_length=5_000, widget=forms.Textarea(attrs={"rows": 3}))


class ObjectionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=())
    text = forms.CharField(label=_("Objection"), max_length=5_000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, kinds: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "kind").choices = [(k, rules.OBJECTION_KIND_LABELS.get(k, k)) for k in kinds]


class DepositForm(forms.Form):
    # Text, not a decimal field: the service says precisely what is wrong with "12.345" or "abc".
    paid_yuan = forms.CharField(label=_("Deposit received (yuan)"), max_length=40)
    paid_at = ChinaDateTimeField(label=_("Received at (Beijing time)"))


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class RefundPaidForm(forms.Form):
    bank_reference = forms.CharField(label=_("Bank reference"), max_length=64)
    interest_yuan = forms.CharField(label=_("Interest for the same period (yuan)"), max_length=40, required=False)


class PrequalApplyForm(forms.Form):
    file = forms.FileField(label=_("Application file"))


class PrequalReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=[("pass", _("Passed")), ("fail", _("Failed"))])
    reason = forms.CharField(
        label=_("Reason (required when failing)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
