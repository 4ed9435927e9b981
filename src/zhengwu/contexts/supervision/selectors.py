"""Reads of the supervision platform's records."""

from __future__ import annotations

from django.db.models import QuerySet

from zhengwu.contexts.supervision.models import RegisteredSubject
from zhengwu.kernel.errors import NotFound


def registered_subject_list(*, status: str | None = None) -> QuerySet[RegisteredSubject]:
    """Every registered market subject, optionally only those in ``status``."""
    queryset = RegisteredSubject.objects.all()
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("name", "uscc")


def registered_subject_get(*, uscc: str) -> RegisteredSubject:
    """The registered subject with this code; ``NotFound`` if none was ever received."""
    subject = RegisteredSubject.objects.filter(uscc=uscc.strip().upper()).first()
    if subject is None:
        raise NotFound("市场主体不存在", code="supervision_subject_not_found", detail={"uscc": uscc})
    return subject
