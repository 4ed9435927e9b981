"""The list of who holds a section's tender documents — for the platform's own use only.

招标投标法 第二十二条 and the issue's rule: before the bid deadline nobody but the platform may
learn who obtained the documents. The services need the list to deliver answers and new
documents to every holder in writing; they read it here. Nothing outside ``services`` may
import this module (it is private by its name), and nothing here is ever returned to a caller
that shows it to a person: people read the list only through ``selectors.document_obtainers_for``,
which enforces the deadline and audits every access.
"""

from __future__ import annotations

from zhengwu.contexts.tendering.models import DocumentObtain, Section


def holder_org_ids(section: Section) -> list[int]:
    """Organisation ids of the section's document holders (platform-internal; never shown)."""
    return list(
        DocumentObtain.objects.filter(section=section)
        .order_by("organisation_id")
        .values_list("organisation_id", flat=True)
    )


def holder_obtains(sections: list[Section]) -> list[DocumentObtain]:
    """The obtain records of ``sections`` (platform-internal; never shown)."""
    return list(DocumentObtain.objects.filter(section__in=sections).order_by("id"))
