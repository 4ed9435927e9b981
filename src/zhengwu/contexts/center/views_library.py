"""Pages of the library window: the public catalogue, the lending desk, the catalogue's management, the readers.

The public catalogue needs no sign-in and shows titles with how many copies are on the shelf,
never who borrowed them. The desk, the management pages and the readers' pages are the centre's
staff's. A refused form is shown again with its Chinese reason and what was typed kept.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from zhengwu.contexts.center import library
from zhengwu.contexts.center.library_rules import loan_overdue_days
from zhengwu.contexts.center.models import Book
from zhengwu.contexts.center.views import centre_prefix
from zhengwu.contexts.identity.roles import Role
from zhengwu.contexts.identity.selectors import actor_for
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ, clock_today
from zhengwu.kernel.errors import InvalidInput, ZhengwuError
from zhengwu.platform.web.access import refusal_status, roles_required
from zhengwu.platform.web.exports import xlsx_response

PAGE_SIZE = 20
EXPORT_MAX = 10_000
CATALOGUE_EXPORT_HEADERS = (
    "ISBN", "题名", "责任者", "出版者", "出版年", "分类号", "索书号", "类型", "复本数", "在架", "推荐日期",
)  # fmt: skip
STAFF = Role.CENTRE_STAFF


def _actor(request: HttpRequest) -> Actor:
    return actor_for(user=request.user, request=request)


def _int(value: str | None, *, field: str, label: str) -> int:
    try:
        return int((value or "").strip())
    except ValueError:
        raise InvalidInput(f"{label}应为整数", code="library_field_not_integer", detail={"field": field}) from None


def _query(request: HttpRequest, **changes: Any) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    for key, value in changes.items():
        params[key] = value
    return params.urlencode()


# --- the public catalogue ----------------------------------------------------------------------------


def _search_params(request: HttpRequest) -> dict[str, Any]:
    return {
        "q": request.GET.get("q", "").strip()[:100],
        "category": request.GET.get("category", "").strip()[:20],
        "kind": request.GET.get("kind", "") if request.GET.get("kind", "") in Book.Kind.values else "",
        "available_only": request.GET.get("available") == "1",
    }


@require_GET
def library_public(request: HttpRequest) -> HttpResponse:
    """The catalogue for everyone: search, availability, call numbers, the new-book recommendations."""
    params = _search_params(request)
    page = Paginator(library.catalogue_search(**params), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "center/library/public.html",
        {
            "page": page,
            "params": params,
            "kinds": Book.Kind.choices,
            "recommendations": library.recommendations_list(limit=6),
            "query": _query(request),
        },
    )


# --- the desk ----------------------------------------------------------------------------------------


def _desk_page(
    request: HttpRequest, *, error: ZhengwuError | None = None, status: int = 200, form: dict[str, str] | None = None
) -> HttpResponse:
    overdue_only = request.GET.get("overdue") == "1"
    loans = library.loans_open(overdue_only=overdue_only)
    page = Paginator(loans, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "center/library/desk.html",
        {
            "page": page,
            "overdue_only": overdue_only,
            "overdue_count": len(library.loans_open(overdue_only=True)) if not overdue_only else len(loans),
            "error": error,
            "form": form or {},
            "query": _query(request),
        },
        status=status,
    )


def _desk_back(request: HttpRequest) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{centre_prefix(request)}library/desk/")


@require_GET
@roles_required(STAFF)
def library_desk(request: HttpRequest) -> HttpResponse:
    """Lend, return and renew by barcode; the open loans with an overdue filter."""
    return _desk_page(request)


@require_POST
@roles_required(STAFF)
def desk_lend(request: HttpRequest) -> HttpResponse:
    form = {"barcode": request.POST.get("barcode", ""), "card_no": request.POST.get("card_no", "")}
    try:
        loan = library.loan_lend(barcode=form["barcode"], card_no=form["card_no"], by=_actor(request))
    except ZhengwuError as exc:
        return _desk_page(request, error=exc, status=refusal_status(exc), form=form)
    messages.success(
        request,
        gettext("Lent %(barcode)s to %(card)s, due %(due)s.")
        % {"barcode": loan.copy.barcode, "card": loan.reader.card_no, "due": loan.due_on.isoformat()},
    )
    return _desk_back(request)


def _loan_of(request: HttpRequest) -> Any:
    raw = request.POST.get("loan", "").strip()
    if raw:
        return library.loan_get(loan_id=_int(raw, field="loan", label="借阅记录"))
    return library.loan_open_for_barcode(barcode=request.POST.get("barcode", ""))


@require_POST
@roles_required(STAFF)
def desk_return(request: HttpRequest) -> HttpResponse:
    form = {"return_barcode": request.POST.get("barcode", "")}
    try:
        loan = library.loan_return(loan=_loan_of(request), by=_actor(request))
    except ZhengwuError as exc:
        return _desk_page(request, error=exc, status=refusal_status(exc), form=form)
    overdue = loan_overdue_days(due=loan.due_on, today=loan.returned_on or clock_today())
    text = gettext("Returned %(barcode)s.") % {"barcode": loan.copy.barcode}
    if overdue:
        text += " " + gettext("It was %(days)s days overdue.") % {"days": overdue}
    messages.success(request, text)
    return _desk_back(request)


@require_POST
@roles_required(STAFF)
def desk_renew(request: HttpRequest) -> HttpResponse:
    form = {"renew_barcode": request.POST.get("barcode", "")}
    try:
        loan = library.loan_renew(loan=_loan_of(request), by=_actor(request))
    except ZhengwuError as exc:
        return _desk_page(request, error=exc, status=refusal_status(exc), form=form)
    messages.success(
        request,
        gettext("Renewed %(barcode)s, now due %(due)s.")
        % {"barcode": loan.copy.barcode, "due": loan.due_on.isoformat()},
    )
    return _desk_back(request)


@require_POST
@roles_required(STAFF)
def desk_reminders(request: HttpRequest) -> HttpResponse:
    try:
        sent = library.loan_reminders_send(by=_actor(request))
    except ZhengwuError as exc:
        return _desk_page(request, error=exc, status=refusal_status(exc))
    messages.success(
        request,
        gettext("Reminders sent: %(total)s (%(soon)s due soon, %(overdue)s overdue).")
        % {"total": sent.total, "soon": sent.due_soon, "overdue": sent.overdue},
    )
    return _desk_back(request)


@require_GET
@roles_required(STAFF)
def desk_export(request: HttpRequest) -> HttpResponseBase:
    """The open loans (or the overdue ones) as an Excel workbook."""
    overdue_only = request.GET.get("overdue") == "1"
    rows = [
        (
            loan.copy.barcode,
            loan.copy.book.title,
            loan.copy.book.call_number,
            loan.reader.card_no,
            loan.reader.name,
            loan.reader.organisation,
            loan.borrowed_on.isoformat(),
            loan.due_on.isoformat(),
            loan.renewals,
            loan.days_overdue,  # type: ignore[attr-defined]
        )
        for loan in library.loans_open(overdue_only=overdue_only)
    ]
    return xlsx_response(
        filename="逾期借阅" if overdue_only else "在借图书",
        sheet="逾期借阅" if overdue_only else "在借图书",
        headers=("条码", "题名", "索书号", "借书证号", "读者", "单位", "借出日期", "应还日期", "续借次数", "逾期天数"),
        rows=rows,
    )


@require_GET
@roles_required(STAFF)
def catalogue_export(request: HttpRequest) -> HttpResponseBase:
    """The catalogue (or the titles matching the search) with copies and availability, as Excel."""
    q = request.GET.get("q", "").strip()[:100]
    rows = [
        (
            book.isbn,
            book.title,
            book.author,
            book.publisher,
            book.year,
            book.category,
            book.call_number,
            book.get_kind_display(),
            book.copies_total,  # type: ignore[attr-defined]
            book.copies_available,  # type: ignore[attr-defined]
            book.recommended_at.astimezone(CHINA_TZ).date().isoformat() if book.recommended_at else "",
        )
        for book in library.catalogue_search(q=q)[:EXPORT_MAX]
    ]
    return xlsx_response(
        filename="馆藏书目",
        sheet="馆藏书目",
        headers=CATALOGUE_EXPORT_HEADERS,
        rows=rows,
    )


# --- managing the catalogue --------------------------------------------------------------------------


TITLE_FIELDS = ("kind", "isbn", "title", "author", "publisher", "year", "category", "call_number", "summary")


def _fields_from(request: HttpRequest) -> library.TitleFields:
    post = request.POST
    return library.title_fields_clean(**{name: post.get(name, "") for name in TITLE_FIELDS})


def _manage_page(
    request: HttpRequest,
    *,
    error: ZhengwuError | None = None,
    status: int = 200,
    form: dict[str, str] | None = None,
) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    page = Paginator(library.catalogue_search(q=q), PAGE_SIZE).get_page(request.GET.get("page"))
    row_errors = (error.detail or {}).get("errors", []) if error is not None else []
    return render(
        request,
        "center/library/manage.html",
        {
            "page": page,
            "q": q,
            "kinds": Book.Kind.choices,
            "error": error,
            "row_errors": row_errors,
            "form": form or {"kind": Book.Kind.BOOK},
            "columns": library.IMPORT_COLUMNS,
            "query": _query(request),
        },
        status=status,
    )


@require_GET
@roles_required(STAFF)
def library_manage(request: HttpRequest) -> HttpResponse:
    """Add a title, import a catalogue sheet, find a title to edit."""
    return _manage_page(request)


@require_POST
@roles_required(STAFF)
def title_create_view(request: HttpRequest) -> HttpResponse:
    form = {name: request.POST.get(name, "") for name in TITLE_FIELDS}
    try:
        book = library.title_create(fields=_fields_from(request), by=_actor(request))
    except ZhengwuError as exc:
        return _manage_page(request, error=exc, status=refusal_status(exc), form=form)
    messages.success(request, gettext("Title added. Add its copies below."))
    return HttpResponseRedirect(f"{centre_prefix(request)}library/manage/titles/{book.pk}/")


@require_POST
@roles_required(STAFF)
def catalogue_import_view(request: HttpRequest) -> HttpResponse:
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise InvalidInput("请选择要上传的文件", code="library_import_no_file")
        if upload.size and upload.size > library.IMPORT_BYTES_MAX:
            raise InvalidInput("文件超过5MB，请分批导入", code="library_import_too_large")
        result = library.catalogue_import(filename=upload.name or "", data=upload.read(), by=_actor(request))
    except ZhengwuError as exc:
        return _manage_page(request, error=exc, status=refusal_status(exc))
    messages.success(
        request,
        gettext("Imported: %(created)s new titles, %(extended)s existing titles, %(copies)s copies.")
        % {"created": result.titles_created, "extended": result.titles_extended, "copies": result.copies_added},
    )
    return HttpResponseRedirect(f"{centre_prefix(request)}library/manage/")


def _title_page(
    request: HttpRequest,
    book_id: int,
    *,
    error: ZhengwuError | None = None,
    status: int = 200,
    form: dict[str, str] | None = None,
) -> HttpResponse:
    try:
        book = library.title_get(book_id=book_id)
    except ZhengwuError as exc:
        return _manage_page(request, error=exc, status=404)
    return render(
        request,
        "center/library/title.html",
        {
            "book": book,
            "copies": library.title_copies(book=book),
            "kinds": Book.Kind.choices,
            "error": error,
            "form": form or {name: getattr(book, name) or "" for name in TITLE_FIELDS},
        },
        status=status,
    )


@require_GET
@roles_required(STAFF)
def title_detail(request: HttpRequest, book_id: int) -> HttpResponse:
    """One title: edit it, its copies or issues, recommend it."""
    return _title_page(request, book_id)


def _title_action(
    request: HttpRequest, book_id: int, action: Any, done: str, form: dict[str, str] | None = None
) -> HttpResponse:
    try:
        book = library.title_get(book_id=book_id)
        action(book)
    except ZhengwuError as exc:
        return _title_page(request, book_id, error=exc, status=refusal_status(exc), form=form)
    messages.success(request, done)
    return HttpResponseRedirect(f"{centre_prefix(request)}library/manage/titles/{book_id}/")


@require_POST
@roles_required(STAFF)
def title_edit_view(request: HttpRequest, book_id: int) -> HttpResponse:
    form = {name: request.POST.get(name, "") for name in TITLE_FIELDS}
    return _title_action(
        request,
        book_id,
        lambda book: library.title_edit(book=book, fields=_fields_from(request), by=_actor(request)),
        gettext("Title saved."),
        form,
    )


@require_POST
@roles_required(STAFF)
def copies_add_view(request: HttpRequest, book_id: int) -> HttpResponse:
    def add(book: Book) -> None:
        count = _int(request.POST.get("count"), field="count", label="数量")
        if book.kind == Book.Kind.PERIODICAL:
            library.issue_add(
                book=book,
                issue=request.POST.get("issue", ""),
                count=count,
                shelf=request.POST.get("shelf", ""),
                by=_actor(request),
            )
        else:
            library.copies_add(book=book, count=count, shelf=request.POST.get("shelf", ""), by=_actor(request))

    return _title_action(request, book_id, add, gettext("Copies added."))


@require_POST
@roles_required(STAFF)
def title_recommend_view(request: HttpRequest, book_id: int) -> HttpResponse:
    on = request.POST.get("recommend") == "1"

    def change(book: Book) -> None:
        if on:
            library.title_recommend(book=book, by=_actor(request))
        else:
            library.title_unrecommend(book=book, by=_actor(request))

    return _title_action(
        request, book_id, change, gettext("Recommended.") if on else gettext("Recommendation withdrawn.")
    )


@require_POST
@roles_required(STAFF)
def copy_lost_view(request: HttpRequest, book_id: int, copy_id: int) -> HttpResponse:
    def lost(book: Book) -> None:
        copy = library.copy_get(copy_id=copy_id)
        if copy.book_id != book.pk:
            raise InvalidInput("复本不属于该题名", code="library_copy_other_title")
        library.copy_lost(copy=copy, by=_actor(request))

    return _title_action(request, book_id, lost, gettext("Copy recorded as lost."))


# --- readers -----------------------------------------------------------------------------------------

READER_FIELDS = ("card_no", "name", "organisation", "phone")


def _readers_page(
    request: HttpRequest, *, error: ZhengwuError | None = None, status: int = 200, form: dict[str, str] | None = None
) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    page = Paginator(library.readers_list(q=q), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "center/library/readers.html",
        {"page": page, "q": q, "error": error, "form": form or {}, "query": _query(request)},
        status=status,
    )


@require_GET
@roles_required(STAFF)
def readers_home(request: HttpRequest) -> HttpResponse:
    """Card holders, and the form to issue a card."""
    return _readers_page(request)


@require_POST
@roles_required(STAFF)
def reader_register_view(request: HttpRequest) -> HttpResponse:
    form = {name: request.POST.get(name, "") for name in READER_FIELDS}
    try:
        reader = library.reader_register(**form, by=_actor(request))
    except ZhengwuError as exc:
        return _readers_page(request, error=exc, status=refusal_status(exc), form=form)
    messages.success(request, gettext("Card %(card)s issued.") % {"card": reader.card_no})
    return HttpResponseRedirect(f"{centre_prefix(request)}library/readers/")


def _reader_page(
    request: HttpRequest, reader_id: int, *, error: ZhengwuError | None = None, status: int = 200
) -> HttpResponse:
    try:
        reader = library.reader_get(reader_id=reader_id)
    except ZhengwuError as exc:
        return _readers_page(request, error=exc, status=404)
    return render(
        request,
        "center/library/reader.html",
        {"reader": reader, "loans": library.reader_loans(reader=reader), "error": error},
        status=status,
    )


@require_GET
@roles_required(STAFF)
def reader_detail(request: HttpRequest, reader_id: int) -> HttpResponse:
    """One card holder and their loans."""
    return _reader_page(request, reader_id)


@require_POST
@roles_required(STAFF)
def reader_deactivate_view(request: HttpRequest, reader_id: int) -> HttpResponse:
    try:
        reader = library.reader_get(reader_id=reader_id)
        library.reader_deactivate(reader=reader, by=_actor(request))
    except ZhengwuError as exc:
        return _reader_page(request, reader_id, error=exc, status=refusal_status(exc))
    messages.success(request, gettext("Card cancelled."))
    return HttpResponseRedirect(f"{centre_prefix(request)}library/readers/{reader_id}/")
