"""Forms of the expert pool's pages.

They check shape only (a field is there, a date parses); the services decide what is valid, with
the same messages for a form, the API and a row of an imported sheet.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zhengwu.contexts.experts.models import BASE_TYPE_LABELS, RELATION_LABELS, TITLE_LEVEL_LABELS
from zhengwu.contexts.experts.specialties import specialty_choices

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _blank(choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [("", "—"), *choices]


class ExpertForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=50)
    id_card = forms.CharField(
        label=_("Identity card number"),
        max_length=40,
        help_text=_("18 characters. When editing, leave empty to keep the number on record."),
    )
    phone = forms.CharField(label=_("Mobile phone"), max_length=30)
    employer_name = forms.CharField(label=_("Employer"), max_length=200)
    employer_uscc = forms.CharField(label=_("Employer's unified social credit code"), max_length=40, required=False)
    region_code = forms.CharField(label=_("Region code"), max_length=6, initial="530100")
    title_name = forms.CharField(label=_("Professional title"), max_length=50)
    title_level = forms.ChoiceField(label=_("Title level"), choices=_blank(list(TITLE_LEVEL_LABELS.items())))
    work_years = forms.CharField(label=_("Years of work"), max_length=3)
    base_type = forms.ChoiceField(label=_("Pool"), choices=_blank(list(BASE_TYPE_LABELS.items())))
    main_specialty = forms.ChoiceField(label=_("Main specialty"), choices=())
    other_specialties = forms.MultipleChoiceField(
        label=_("Other specialties"), choices=(), required=False, widget=forms.SelectMultiple(attrs={"size": 8})
    )
    qualifications = forms.CharField(label=_("Professional qualifications"), max_length=500, required=False)
    education = forms.CharField(label=_("Education"), max_length=50, required=False)
    entered_on = forms.DateField(label=_("Entered the pool on"), required=False, widget=DATE_WIDGET)
    username = forms.CharField(
        label=_("Expert's account (username)"),
        max_length=150,
        required=False,
        help_text=_(
            "An existing account holding the expert role: the expert signs in with it to see their own assignments."
        ),
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        codes = specialty_choices()
        main = self.fields["main_specialty"]
        others = self.fields["other_specialties"]
        assert isinstance(main, forms.ChoiceField)
        assert isinstance(others, forms.MultipleChoiceField)
        main.choices = _blank(codes)
        others.choices = codes
        if editing:
            self.fields["id_card"].required = False


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel workbook (.xlsx)"))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class ConflictForm(forms.Form):
    organisation_name = forms.CharField(label=_("Organisation name"), max_length=200)
    organisation_uscc = forms.CharField(label=_("Unified social credit code"), max_length=40, required=False)
    relation = forms.ChoiceField(label=_("Relation"), choices=list(RELATION_LABELS.items()))
    starts_on = forms.DateField(label=_("Started"), required=False, widget=DATE_WIDGET)
    ends_on = forms.DateField(label=_("Ended (empty: still lasts)"), required=False, widget=DATE_WIDGET)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class WindowForm(forms.Form):
    starts_on = forms.DateField(label=_("Unavailable from"), widget=DATE_WIDGET)
    ends_on = forms.DateField(label=_("Unavailable until"), widget=DATE_WIDGET)
    reason = forms.CharField(label=_("Reason"), max_length=200)


# --- draws ---------------------------------------------------------------------------------------

# Rows of the draw request form; a row without specialties is not a group.
DRAW_GROUP_ROWS = 3
_CODE_SEPARATORS = ",，、;；"


def codes_split(text: str) -> list[str]:
    """Codes typed in one field, separated by blanks, commas or 、."""
    for separator in _CODE_SEPARATORS:
        text = text.replace(separator, " ")
    return [code for code in text.split() if code]


class DrawForm(forms.Form):
    """A draw request: the evaluation day, the committee beside the experts, and up to three groups."""

    evaluation_on = forms.DateField(label=_("Evaluation date"), widget=DATE_WIDGET)
    representatives = forms.IntegerField(
        label=_("Tenderer's representatives on the committee"), min_value=0, max_value=20, initial=0
    )
    complex_project = forms.BooleanField(
        label=_("Technically complex or of high social impact (procurement)"), required=False
    )
    at_open_tender_threshold = forms.BooleanField(
        label=_("Reaches the open-tender threshold (negotiation, inquiry)"), required=False
    )
    regions = forms.CharField(label=_("Regions of the whole pool (codes, optional)"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n in range(DRAW_GROUP_ROWS):
            self.fields[f"g{n}_specialties"] = forms.CharField(
                label=_("Specialty codes"), max_length=200, required=n == 0
            )
            self.fields[f"g{n}_count"] = forms.IntegerField(
                label=_("Experts"), min_value=1, max_value=50, required=False
            )
            self.fields[f"g{n}_reserves"] = forms.IntegerField(
                label=_("Reserves"), min_value=0, max_value=50, required=False
            )
            self.fields[f"g{n}_regions"] = forms.CharField(
                label=_("Regions (codes, optional)"), max_length=200, required=False
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for n in range(DRAW_GROUP_ROWS):
            if data.get(f"g{n}_specialties") and not data.get(f"g{n}_count"):
                self.add_error(f"g{n}_count", _("How many experts for this group?"))
        return data

    def group_rows(self) -> list[dict[str, Any]]:
        """The filled rows: specialties, count, reserves, regions."""
        data = self.cleaned_data
        return [
            {
                "specialties": codes_split(data[f"g{n}_specialties"]),
                "count": data[f"g{n}_count"],
                "reserves": data.get(f"g{n}_reserves") or 0,
                "regions": codes_split(data.get(f"g{n}_regions") or ""),
            }
            for n in range(DRAW_GROUP_ROWS)
            if data.get(f"g{n}_specialties")
        ]

    def bound_rows(self) -> list[dict[str, Any]]:
        """The group rows' bound fields, for the template."""
        return [
            {
                "n": n + 1,
                "specialties": self[f"g{n}_specialties"],
                "count": self[f"g{n}_count"],
                "reserves": self[f"g{n}_reserves"],
                "regions": self[f"g{n}_regions"],
            }
            for n in range(DRAW_GROUP_ROWS)
        ]


class PerformForm(forms.Form):
    contribution = forms.CharField(
        label=_("Supervisor's contribution (optional)"),
        max_length=200,
        required=False,
        help_text=_(
            "Any text the regulator supplies now, after the commitment was published; it is mixed into the draw."
        ),
    )
