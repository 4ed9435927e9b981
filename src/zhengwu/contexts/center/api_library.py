"""The library window's API, mounted at ``/center/api/center/library/``.

``GET /titles`` is the public catalogue (no sign-in): titles with how many copies are on the
shelf, never who borrowed them. The loans are the centre's staff's: list, lend, return, renew,
under the same rules as the desk page (``library``). Errors are ``{code, message, detail}``.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.security import django_auth

from zhengwu.contexts.center import library
from zhengwu.contexts.center.library_rules import loan_overdue_days
from zhengwu.contexts.center.models import Book, Loan
from zhengwu.contexts.identity.selectors import actor_for
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_today
from zhengwu.kernel.errors import PermissionDenied

PAGE_SIZE_MAX = 100


class TitleOut(Schema):
    id: int
    kind: str
    isbn: str
    title: str
    author: str
    publisher: str
    year: int | None
    category: str
    call_number: str
    recommended: bool
    copies_total: int
    copies_available: int


class TitlePageOut(Schema):
    count: int
    page: int
    pages: int
    items: list[TitleOut]


class LoanOut(Schema):
    id: int
    barcode: str
    title: str
    card_no: str
    reader: str
    borrowed_on: str
    due_on: str
    renewals: int
    returned_on: str | None
    days_overdue: int


class LendIn(Schema):
    barcode: str
    card_no: str


def _actor(request: HttpRequest) -> Actor:
    return actor_for(user=request.user, request=request)


def _staff(request: HttpRequest) -> Actor:
    actor = _actor(request)
    if not actor.has_role(library.STAFF):
        raise PermissionDenied("只有服务中心工作人员可以办理借阅", code="library_permission_denied")
    return actor


def _title_out(book: Book) -> TitleOut:
    return TitleOut(
        id=book.pk,
        kind=book.kind,
        isbn=book.isbn,
        title=book.title,
        author=book.author,
        publisher=book.publisher,
        year=book.year,
        category=book.category,
        call_number=book.call_number,
        recommended=book.recommended_at is not None,
        copies_total=book.copies_total,  # type: ignore[attr-defined]
        copies_available=book.copies_available,  # type: ignore[attr-defined]
    )


def _loan_out(loan: Loan) -> LoanOut:
    days = getattr(loan, "days_overdue", None)
    if days is None:
        days = 0 if loan.returned_on else loan_overdue_days(due=loan.due_on, today=clock_today())
    return LoanOut(
        id=loan.pk,
        barcode=loan.copy.barcode,
        title=loan.copy.book.title,
        card_no=loan.reader.card_no,
        reader=loan.reader.name,
        borrowed_on=loan.borrowed_on.isoformat(),
        due_on=loan.due_on.isoformat(),
        renewals=loan.renewals,
        returned_on=loan.returned_on.isoformat() if loan.returned_on else None,
        days_overdue=days,
    )


def library_router_build() -> Router:
    """The library's routes: the public catalogue and the staff's loans."""
    router = Router(tags=["center-library"], auth=django_auth)

    @router.get("/titles", response=TitlePageOut, auth=None, summary="Search the catalogue (no sign-in)")
    def titles(
        request: HttpRequest,
        q: str = "",
        category: str = "",
        kind: str = "",
        available_only: bool = False,
        page: int = 1,
        page_size: int = 20,
    ) -> TitlePageOut:
        size = max(1, min(page_size, PAGE_SIZE_MAX))
        found = library.catalogue_search(q=q[:100], category=category[:20], kind=kind, available_only=available_only)
        current = Paginator(found, size).get_page(page)
        return TitlePageOut(
            count=current.paginator.count,
            page=current.number,
            pages=current.paginator.num_pages,
            items=[_title_out(book) for book in current.object_list],
        )

    @router.get("/loans", response=list[LoanOut], summary="Open loans (overdue only on request)")
    def loans(request: HttpRequest, overdue: bool = False) -> list[LoanOut]:
        _staff(request)
        return [_loan_out(loan) for loan in library.loans_open(overdue_only=overdue)]

    @router.post("/loans", response={201: LoanOut}, summary="Lend a copy to a reader")
    def lend(request: HttpRequest, payload: LendIn) -> Status[LoanOut]:
        loan = library.loan_lend(barcode=payload.barcode, card_no=payload.card_no, by=_staff(request))
        return Status(201, _loan_out(library.loan_get(loan_id=loan.pk)))

    @router.post("/loans/{loan_id}/return", response=LoanOut, summary="Take a copy back")
    def return_(request: HttpRequest, loan_id: int) -> LoanOut:
        actor = _staff(request)
        loan = library.loan_return(loan=library.loan_get(loan_id=loan_id), by=actor)
        return _loan_out(library.loan_get(loan_id=loan.pk))

    @router.post("/loans/{loan_id}/renew", response=LoanOut, summary="Renew a book loan")
    def renew(request: HttpRequest, loan_id: int) -> LoanOut:
        actor = _staff(request)
        loan = library.loan_renew(loan=library.loan_get(loan_id=loan_id), by=actor)
        return _loan_out(library.loan_get(loan_id=loan.pk))

    return router
