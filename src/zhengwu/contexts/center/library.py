"""The library window (党校图书服务窗口): services that keep the catalogue and the loans, selectors that read them.

The rules (ISBNs, due dates on the working-day calendar, renewals, reminders, the loan limit)
live in ``library_rules`` over plain data; here the tables are turned into that data and what
the rules return is stored. Only the centre's staff (or the system: the demo loader, the
periodic reminder run) change anything; the public reads the catalogue with how many copies
are on the shelf, never who borrowed them.

Every change to a title's public record — the title itself, its recommendation, its copies
being added, lent, returned or lost — publishes ``CatalogueTitleChanged`` in the same
transaction (``title_event_publish``), so the public site's copy follows the catalogue.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet

from zhengwu.contexts.center import library_rules as rules
from zhengwu.contexts.center.events import CatalogueTitleChanged
from zhengwu.contexts.center.models import Book, Copy, Loan, Reader
from zhengwu.contexts.center.notify import notice_send
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now, clock_today
from zhengwu.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from zhengwu.platform.audit.services import audit_append
from zhengwu.platform.exchange.services import outbox_publish
from zhengwu.platform.web.sheets import sheet_rows_read
from zhengwu.platform.workdays.selectors import calendar_get

STAFF = "centre_staff"
POLICY = rules.DEFAULT_LOAN_POLICY
REMINDER_DAYS_BEFORE = 3  # "due soon" goes out this many days before the due date
COPIES_MAX = 50  # copies added at once
IMPORT_ROWS_MAX = 2000
IMPORT_BYTES_MAX = 5 * 1024 * 1024
# 中图法 class numbers: a capital letter, then letters, digits and the notation's marks (D61, D261.1, TP3-05).
CATEGORY = re.compile(r"[A-Z][A-Z0-9.\-/:=()\"<>]{0,19}")
CARD_NO = re.compile(r"[A-Za-z0-9-]{1,30}")
PHONE = re.compile(r"[0-9+\-() ]{5,20}")
BARCODE_PREFIX = {Book.Kind.BOOK: "TS", Book.Kind.PERIODICAL: "QK"}


def _staff_check(by: Actor, what: str) -> None:
    # The system actor stands for the demo loader and the periodic reminder run.
    if not (by.has_role(STAFF) or (by.is_system and "system" in by.roles)):
        raise PermissionDenied(f"只有服务中心工作人员可以{what}", code="library_permission_denied")


def _text(value: str | None, *, field: str, label: str, max_length: int, required: bool = False) -> str:
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise InvalidInput(f"请填写{label}", code="library_field_required", detail={"field": field})
    if len(cleaned) > max_length:
        raise InvalidInput(
            f"{label}不能超过{max_length}个字",
            code="library_field_too_long",
            detail={"field": field, "max": max_length},
        )
    return cleaned


def _count(value: object, *, field: str, label: str, maximum: int, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise InvalidInput(
            f"{label}应为{minimum}至{maximum}的整数",
            code="library_count_invalid",
            detail={"field": field, "value": repr(value)},
        )
    return value


# --- the title's public record ---------------------------------------------------------------------


def title_event_publish(*, book: Book) -> None:
    """Queue the title's public record as it now stands (call inside the changing transaction)."""
    counts = Copy.objects.filter(book_id=book.pk).aggregate(
        total=Count("id", filter=~Q(status=Copy.Status.LOST)),
        available=Count("id", filter=Q(status=Copy.Status.AVAILABLE)),
    )
    outbox_publish(
        event=CatalogueTitleChanged(
            key=f"B{book.pk}",
            kind=book.kind,
            isbn=book.isbn,
            title=book.title,
            author=book.author,
            publisher=book.publisher,
            year=book.year,
            category=book.category,
            call_number=book.call_number,
            summary=book.summary,
            recommended_at=book.recommended_at.isoformat() if book.recommended_at else None,
            copies_total=int(counts["total"] or 0),
            copies_available=int(counts["available"] or 0),
            changed_at=clock_now().isoformat(),
        )
    )


# --- titles ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TitleFields:
    """A title's cleaned fields, as the catalogue stores them."""

    kind: str
    isbn: str
    title: str
    author: str
    publisher: str
    year: int | None
    category: str
    call_number: str
    summary: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "isbn": self.isbn,
            "title": self.title,
            "author": self.author,
            "publisher": self.publisher,
            "year": self.year,
            "category": self.category,
            "call_number": self.call_number,
            "summary": self.summary,
        }


def _year(value: object) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if not text.isdigit():
            raise InvalidInput(f"出版年“{text}”应为四位数字", code="library_year_invalid", detail={"year": text})
        value = int(text)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput("出版年应为四位数字", code="library_year_invalid", detail={"year": repr(value)})
    latest = clock_today().year + 1
    if not 1800 <= value <= latest:
        raise InvalidInput(f"出版年应在1800至{latest}之间", code="library_year_invalid", detail={"year": value})
    return value


def title_fields_clean(
    *,
    kind: str,
    isbn: str,
    title: str,
    author: str = "",
    publisher: str = "",
    year: int | str | None = None,
    category: str = "",
    call_number: str = "",
    summary: str = "",
) -> TitleFields:
    """Check a title's fields; the ISBN is validated and kept as ISBN-13 (a periodical may have none)."""
    kind = (kind or "").strip()
    if kind not in Book.Kind.values:
        raise InvalidInput("类型应为图书或期刊", code="library_kind_invalid", detail={"kind": kind})
    raw_isbn = (isbn or "").strip()
    if raw_isbn:
        isbn13 = rules.isbn13_convert(raw_isbn)
    elif kind == Book.Kind.PERIODICAL:
        isbn13 = ""
    else:
        raise InvalidInput("请填写ISBN（期刊可不填）", code="library_isbn_required", detail={"field": "isbn"})
    category = _class_number(category)
    if category and not CATEGORY.fullmatch(category):
        raise InvalidInput(
            f"中图法分类号“{category}”格式不正确，应以大写字母开头，如D61、F12",
            code="library_category_invalid",
            detail={"category": category},
        )
    return TitleFields(
        kind=kind,
        isbn=isbn13,
        title=_text(title, field="title", label="题名", max_length=300, required=True),
        author=_text(author, field="author", label="责任者", max_length=200),
        publisher=_text(publisher, field="publisher", label="出版者", max_length=200),
        year=_year(year),
        category=category,
        call_number=_text(call_number, field="call_number", label="索书号", max_length=50),
        summary=_text(summary, field="summary", label="内容简介", max_length=5000),
    )


def _class_number(value: str | None) -> str:
    # A class number as typed with a Chinese input method (full-width, lower case) in its plain form.
    return unicodedata.normalize("NFKC", value or "").strip().upper()


def _isbn_taken(isbn: str, *, other_than: int | None = None) -> Book | None:
    if not isbn:
        return None
    found = Book.objects.filter(isbn=isbn)
    if other_than is not None:
        found = found.exclude(pk=other_than)
    return found.order_by("id").first()


def title_create(*, fields: TitleFields, by: Actor) -> Book:
    """Add a title to the catalogue (without copies); an ISBN already catalogued is refused."""
    _staff_check(by, "登记图书")
    with transaction.atomic():
        existing = _isbn_taken(fields.isbn)
        if existing is not None:
            raise Conflict(
                f"ISBN {fields.isbn}已在馆藏中（《{existing.title}》），请直接为其添加复本",
                code="library_isbn_exists",
                detail={"isbn": fields.isbn, "book": existing.pk},
            )
        book = Book.objects.create(**fields.as_dict(), created_at=clock_now())
        audit_append(
            actor=by,
            action="center.library.title_create",
            object_type="center.book",
            object_id=str(book.pk),
            after=fields.as_dict(),
        )
        title_event_publish(book=book)
    return book


def title_edit(*, book: Book, fields: TitleFields, by: Actor) -> Book:
    """Change a title's record; its copies and loans stay as they are."""
    _staff_check(by, "修改图书信息")
    with transaction.atomic():
        book = Book.objects.select_for_update().get(pk=book.pk)
        if fields.kind != book.kind and book.copies.exists():
            raise Conflict("已有复本的题名不能更改图书/期刊类型", code="library_kind_locked", detail={"book": book.pk})
        existing = _isbn_taken(fields.isbn, other_than=book.pk)
        if existing is not None:
            raise Conflict(
                f"ISBN {fields.isbn}已属于《{existing.title}》",
                code="library_isbn_exists",
                detail={"isbn": fields.isbn, "book": existing.pk},
            )
        before = TitleFields(
            kind=book.kind,
            isbn=book.isbn,
            title=book.title,
            author=book.author,
            publisher=book.publisher,
            year=book.year,
            category=book.category,
            call_number=book.call_number,
            summary=book.summary,
        ).as_dict()
        for name, value in fields.as_dict().items():
            setattr(book, name, value)
        book.save()
        audit_append(
            actor=by,
            action="center.library.title_edit",
            object_type="center.book",
            object_id=str(book.pk),
            before=before,
            after=fields.as_dict(),
        )
        title_event_publish(book=book)
    return book


def title_recommend(*, book: Book, by: Actor) -> Book:
    """Put a title among the new-book recommendations (荐新书) at the top of the public catalogue."""
    return _recommendation_set(book=book, on=True, by=by)


def title_unrecommend(*, book: Book, by: Actor) -> Book:
    """Take a title off the recommendations."""
    return _recommendation_set(book=book, on=False, by=by)


def _recommendation_set(*, book: Book, on: bool, by: Actor) -> Book:
    _staff_check(by, "推荐新书")
    with transaction.atomic():
        book = Book.objects.select_for_update().get(pk=book.pk)
        if on == (book.recommended_at is not None):
            raise Conflict(
                "该书已在新书推荐中" if on else "该书不在新书推荐中",
                code="library_recommendation_unchanged",
                detail={"book": book.pk},
            )
        before = book.recommended_at.isoformat() if book.recommended_at else None
        book.recommended_at = clock_now() if on else None
        book.save(update_fields=["recommended_at"])
        audit_append(
            actor=by,
            action="center.library.title_recommend" if on else "center.library.title_unrecommend",
            object_type="center.book",
            object_id=str(book.pk),
            before={"recommended_at": before},
            after={"recommended_at": book.recommended_at.isoformat() if book.recommended_at else None},
        )
        title_event_publish(book=book)
    return book


# --- copies and issues -----------------------------------------------------------------------------


def _new_barcodes(book: Book, count: int) -> list[str]:
    # Called with the book's row locked: the barcode carries the title's id, so two titles never
    # collide and two additions to one title queue up on its lock.
    prefix = f"{BARCODE_PREFIX[Book.Kind(book.kind)]}{book.pk:06d}-"
    taken = set(Copy.objects.filter(barcode__startswith=prefix).values_list("barcode", flat=True))
    barcodes: list[str] = []
    number = len(taken) + 1
    while len(barcodes) < count:
        barcode = f"{prefix}{number:03d}"
        if barcode not in taken:
            barcodes.append(barcode)
        number += 1
    return barcodes


def _copies_create(book: Book, *, count: int, shelf: str, issue: str, by: Actor) -> list[Copy]:
    copies = [
        Copy.objects.create(book=book, barcode=barcode, issue=issue, shelf=shelf)
        for barcode in _new_barcodes(book, count)
    ]
    audit_append(
        actor=by,
        action="center.library.copies_add",
        object_type="center.book",
        object_id=str(book.pk),
        after={"barcodes": [c.barcode for c in copies], "shelf": shelf, "issue": issue},
    )
    return copies


def copies_add(*, book: Book, count: int, shelf: str = "", by: Actor) -> list[Copy]:
    """Add ``count`` copies of a book, each with a generated barcode (TS<title>-<n>)."""
    _staff_check(by, "添加复本")
    count = _count(count, field="count", label="复本数", maximum=COPIES_MAX)
    shelf = _text(shelf, field="shelf", label="架位", max_length=50)
    with transaction.atomic():
        book = Book.objects.select_for_update().get(pk=book.pk)
        if book.kind == Book.Kind.PERIODICAL:
            raise InvalidInput(
                "期刊请按期登记（填写期次）", code="library_periodical_needs_issue", detail={"book": book.pk}
            )
        copies = _copies_create(book, count=count, shelf=shelf, issue="", by=by)
        title_event_publish(book=book)
    return copies


def issue_add(*, book: Book, issue: str, count: int = 1, shelf: str = "", by: Actor) -> list[Copy]:
    """Register an issue of a periodical (e.g. 2026年第10期): ``count`` copies carrying the issue."""
    _staff_check(by, "登记期刊")
    issue = _text(issue, field="issue", label="期次", max_length=50, required=True)
    count = _count(count, field="count", label="册数", maximum=COPIES_MAX)
    shelf = _text(shelf, field="shelf", label="架位", max_length=50)
    with transaction.atomic():
        book = Book.objects.select_for_update().get(pk=book.pk)
        if book.kind != Book.Kind.PERIODICAL:
            raise InvalidInput("只有期刊可以按期登记", code="library_not_periodical", detail={"book": book.pk})
        copies = _copies_create(book, count=count, shelf=shelf, issue=issue, by=by)
        title_event_publish(book=book)
    return copies


def copy_lost(*, copy: Copy, by: Actor, today: dt.date | None = None) -> Copy:
    """Record a copy as lost; a loan still open on it is closed on ``today`` (the reader lost it)."""
    _staff_check(by, "登记遗失")
    today = today or clock_today()
    with transaction.atomic():
        # The loan before the copy, in the order a return locks them.
        loan = Loan.objects.select_for_update().filter(copy_id=copy.pk, returned_on__isnull=True).first()
        copy = Copy.objects.select_for_update().select_related("book").get(pk=copy.pk)
        if copy.status == Copy.Status.LOST:
            raise Conflict(f"复本{copy.barcode}已登记遗失", code="library_copy_lost", detail={"barcode": copy.barcode})
        before = copy.status
        if loan is not None:
            loan.returned_on = today
            loan.save(update_fields=["returned_on"])
        copy.status = Copy.Status.LOST
        copy.save(update_fields=["status"])
        audit_append(
            actor=by,
            action="center.library.copy_lost",
            object_type="center.copy",
            object_id=copy.barcode,
            before={"status": before},
            after={"status": copy.status, "loan_closed": loan.pk if loan is not None else None},
        )
        title_event_publish(book=copy.book)
    return copy


# --- catalogue import ------------------------------------------------------------------------------

IMPORT_COLUMNS = (
    "isbn",
    "title",
    "author",
    "publisher",
    "year",
    "category",
    "call_number",
    "kind",
    "copies",
    "shelf",
)
_HEADER_ALIASES: dict[str, str] = {
    **{name: name for name in IMPORT_COLUMNS},
    "书号": "isbn",
    "题名": "title",
    "书名": "title",
    "责任者": "author",
    "作者": "author",
    "出版者": "publisher",
    "出版社": "publisher",
    "出版年": "year",
    "分类号": "category",
    "中图法分类号": "category",
    "索书号": "call_number",
    "类型": "kind",
    "复本数": "copies",
    "册数": "copies",
    "架位": "shelf",
}
_KIND_ALIASES = {"": "book", "book": "book", "图书": "book", "periodical": "periodical", "期刊": "periodical"}


@dataclass(frozen=True)
class RowError:
    """One bad row of an import file: its row number as the spreadsheet shows it, and why."""

    row: int
    reason: str


@dataclass
class ImportResult:
    """What an import did: titles added, titles that received copies, copies added."""

    titles_created: int = 0
    titles_extended: int = 0
    copies_added: int = 0
    books: list[Book] = field(default_factory=list)


@dataclass(frozen=True)
class _Row:
    number: int
    fields: TitleFields
    copies: int
    shelf: str


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return str(value.year)
    return str(value).strip()


def _table_read(*, filename: str, data: bytes) -> list[tuple[object, ...]]:
    name = (filename or "").lower()
    if len(data) > IMPORT_BYTES_MAX:
        raise InvalidInput("文件超过5MB，请分批导入", code="library_import_too_large")
    if not data:
        raise InvalidInput("上传的文件是空的", code="library_import_empty")
    if name.endswith((".xlsx", ".csv")):
        return sheet_rows_read(data=data, filename=name, max_rows=IMPORT_ROWS_MAX, code="library_import_file_invalid")
    raise InvalidInput("请上传Excel工作簿（.xlsx）或CSV文件", code="library_import_file_type")


def _row_parse(number: int, values: dict[str, str]) -> _Row:
    kind = _KIND_ALIASES.get(values.get("kind", "").lower())
    if kind is None:
        raise InvalidInput(f"类型“{values['kind']}”无效，应为图书或期刊", code="library_kind_invalid")
    fields = title_fields_clean(
        kind=kind,
        isbn=values.get("isbn", ""),
        title=values.get("title", ""),
        author=values.get("author", ""),
        publisher=values.get("publisher", ""),
        year=values.get("year", ""),
        category=values.get("category", ""),
        call_number=values.get("call_number", ""),
    )
    raw_copies = values.get("copies", "")
    if kind == Book.Kind.PERIODICAL:
        if raw_copies not in ("", "0"):
            raise InvalidInput("期刊按期登记，导入时复本数应为空或0", code="library_periodical_needs_issue")
        copies = 0
    else:
        if raw_copies == "":
            copies = 1
        elif raw_copies.isdigit() and 1 <= int(raw_copies) <= COPIES_MAX:
            copies = int(raw_copies)
        else:
            raise InvalidInput(f"复本数“{raw_copies}”应为1至{COPIES_MAX}的整数", code="library_count_invalid")
    shelf = _text(values.get("shelf", ""), field="shelf", label="架位", max_length=50)
    return _Row(number=number, fields=fields, copies=copies, shelf=shelf)


def catalogue_import(*, filename: str, data: bytes, by: Actor) -> ImportResult:
    """Import a catalogue sheet (.xlsx or .csv) all or nothing.

    The first row names the columns (``IMPORT_COLUMNS``, or their Chinese names); every bad row
    is reported at once as ``InvalidInput`` (code ``library_import_rows_invalid``) whose detail
    ``errors`` lists ``{"row", "reason"}`` — the row numbers as the spreadsheet shows them — and
    nothing is saved. A row whose ISBN is already catalogued (or appears earlier in the file)
    adds its copies to that title instead of a second title.
    """
    _staff_check(by, "导入馆藏目录")
    table = _table_read(filename=filename, data=data)
    while table and all(_cell(v) == "" for v in table[-1]):
        table.pop()
    if not table:
        raise InvalidInput("文件中没有内容", code="library_import_empty")
    header = [_HEADER_ALIASES.get("".join(_cell(v).split()).lstrip("\ufeff").lower(), "") for v in table[0]]
    missing = [name for name in ("isbn", "title") if name not in header]
    if missing:
        raise InvalidInput(
            "第1行应为列名，缺少：" + "、".join(missing),
            code="library_import_header",
            detail={"missing": missing, "expected": list(IMPORT_COLUMNS)},
        )
    if len(table) - 1 > IMPORT_ROWS_MAX:
        raise InvalidInput(f"一次最多导入{IMPORT_ROWS_MAX}行", code="library_import_too_many")
    parsed: list[_Row] = []
    errors: list[RowError] = []
    for number, raw in enumerate(table[1:], start=2):
        values = {name: _cell(value) for name, value in zip(header, raw, strict=False) if name}
        if not any(values.values()):
            continue  # an empty line in the middle is not an error
        try:
            parsed.append(_row_parse(number, values))
        except InvalidInput as exc:
            errors.append(RowError(row=number, reason=exc.message))
    if errors:
        raise InvalidInput(
            f"导入失败：{len(errors)}行有误，未导入任何数据，请修改后重新上传",
            code="library_import_rows_invalid",
            detail={"errors": [{"row": e.row, "reason": e.reason} for e in errors]},
        )
    if not parsed:
        raise InvalidInput("文件中没有图书数据", code="library_import_empty")
    result = ImportResult()
    with transaction.atomic():
        touched: dict[int, Book] = {}
        created: dict[str, Book] = {}
        for row in parsed:
            book = created.get(row.fields.isbn) if row.fields.isbn else None
            if book is None and row.fields.isbn:
                book = Book.objects.select_for_update().filter(isbn=row.fields.isbn).order_by("id").first()
                if book is not None and book.pk not in touched:
                    result.titles_extended += 1
            if book is None:
                book = Book.objects.create(**row.fields.as_dict(), created_at=clock_now())
                result.titles_created += 1
                if row.fields.isbn:
                    created[row.fields.isbn] = book
            elif book.kind != row.fields.kind:
                # Reported like the parse errors; raising here undoes the whole import.
                raise InvalidInput(
                    f"导入失败：第{row.number}行的ISBN已作为{book.get_kind_display()}登记，类型不符",
                    code="library_import_rows_invalid",
                    detail={"errors": [{"row": row.number, "reason": "ISBN已登记为另一类型"}]},
                )
            touched[book.pk] = book
            if row.copies:
                result.copies_added += len(
                    [
                        Copy.objects.create(book=book, barcode=barcode, shelf=row.shelf)
                        for barcode in _new_barcodes(book, row.copies)
                    ]
                )
        audit_append(
            actor=by,
            action="center.library.catalogue_import",
            object_type="center.catalogue",
            object_id=(filename or "")[:100],
            after={
                "rows": len(parsed),
                "titles_created": result.titles_created,
                "titles_extended": result.titles_extended,
                "copies_added": result.copies_added,
            },
        )
        for book in touched.values():
            title_event_publish(book=book)
        result.books = list(touched.values())
    return result


# --- readers ---------------------------------------------------------------------------------------


def reader_register(*, card_no: str, name: str, organisation: str = "", phone: str = "", by: Actor) -> Reader:
    """Issue a library card (借书证)."""
    _staff_check(by, "办理借书证")
    card_no = _text(card_no, field="card_no", label="借书证号", max_length=30, required=True).upper()
    if not CARD_NO.fullmatch(card_no):
        raise InvalidInput("借书证号只能包含字母、数字和连字符", code="library_card_no_invalid")
    name = _text(name, field="name", label="姓名", max_length=50, required=True)
    organisation = _text(organisation, field="organisation", label="单位", max_length=100)
    phone = _text(phone, field="phone", label="联系电话", max_length=20)
    if phone and not PHONE.fullmatch(phone):
        raise InvalidInput("联系电话格式不正确", code="library_phone_invalid")
    with transaction.atomic():
        if Reader.objects.filter(card_no=card_no).exists():
            raise Conflict(f"借书证号{card_no}已被使用", code="library_card_exists", detail={"card_no": card_no})
        try:
            with transaction.atomic():
                reader = Reader.objects.create(
                    card_no=card_no, name=name, organisation=organisation, phone=phone, created_at=clock_now()
                )
        except IntegrityError:
            raise Conflict(
                f"借书证号{card_no}已被使用", code="library_card_exists", detail={"card_no": card_no}
            ) from None
        audit_append(
            actor=by,
            action="center.library.reader_register",
            object_type="center.reader",
            object_id=card_no,
            after={"card_no": card_no, "name": name, "organisation": organisation},
        )
    return reader


def reader_deactivate(*, reader: Reader, by: Actor) -> Reader:
    """Cancel a card; refused while the reader still holds books."""
    _staff_check(by, "注销借书证")
    with transaction.atomic():
        reader = Reader.objects.select_for_update().get(pk=reader.pk)
        if not reader.active:
            raise Conflict("该借书证已注销", code="library_reader_inactive", detail={"card_no": reader.card_no})
        held = reader.loans.filter(returned_on__isnull=True).count()
        if held:
            raise Conflict(
                f"该读者尚有{held}册未归还，请先归还再注销",
                code="library_reader_has_loans",
                detail={"card_no": reader.card_no, "loans": held},
            )
        reader.active = False
        reader.save(update_fields=["active"])
        audit_append(
            actor=by,
            action="center.library.reader_deactivate",
            object_type="center.reader",
            object_id=reader.card_no,
            before={"active": True},
            after={"active": False},
        )
    return reader


# --- loans -----------------------------------------------------------------------------------------


def loan_lend(*, barcode: str, card_no: str, by: Actor, today: dt.date | None = None) -> Loan:
    """Lend the copy with ``barcode`` to the reader holding ``card_no``; due by the policy and calendar."""
    _staff_check(by, "办理借书")
    barcode = _text(barcode, field="barcode", label="条码", max_length=30, required=True).upper()
    card_no = _text(card_no, field="card_no", label="借书证号", max_length=30, required=True).upper()
    today = today or clock_today()
    with transaction.atomic():
        reader = Reader.objects.select_for_update().filter(card_no=card_no).first()
        if reader is None:
            raise NotFound(f"借书证号{card_no}不存在", code="library_reader_missing", detail={"card_no": card_no})
        if not reader.active:
            raise Conflict(f"借书证{card_no}已注销", code="library_reader_inactive", detail={"card_no": card_no})
        copy = Copy.objects.select_for_update().select_related("book").filter(barcode=barcode).first()
        if copy is None:
            raise NotFound(f"条码{barcode}不存在", code="library_copy_missing", detail={"barcode": barcode})
        if copy.status != Copy.Status.AVAILABLE:
            raise Conflict(
                f"《{copy.book.title}》（{barcode}）{copy.get_status_display()}，不能借出",
                code="library_copy_unavailable",
                detail={"barcode": barcode, "status": copy.status},
            )
        rules.loan_limit_check(current_loans=reader.loans.filter(returned_on__isnull=True).count(), policy=POLICY)
        due = rules.loan_due(borrowed_on=today, item_kind=copy.book.kind, policy=POLICY, calendar=calendar_get())
        loan = Loan.objects.create(copy=copy, reader=reader, borrowed_on=today, due_on=due, lent_by=by.username)
        copy.status = Copy.Status.ON_LOAN
        copy.save(update_fields=["status"])
        audit_append(
            actor=by,
            action="center.library.lend",
            object_type="center.loan",
            object_id=str(loan.pk),
            after={"barcode": barcode, "card_no": card_no, "borrowed_on": today.isoformat(), "due_on": due.isoformat()},
        )
        title_event_publish(book=copy.book)
    return loan


def _open_loan_locked(loan: Loan) -> Loan:
    locked = Loan.objects.select_for_update().filter(pk=loan.pk).first()
    if locked is None:
        raise NotFound("借阅记录不存在", code="library_loan_missing", detail={"loan": loan.pk})
    locked = Loan.objects.select_related("copy__book", "reader").get(pk=locked.pk)
    if locked.returned_on is not None:
        raise Conflict(
            f"该册已于{locked.returned_on.isoformat()}归还",
            code="library_loan_returned",
            detail={"loan": locked.pk},
        )
    return locked


def loan_return(*, loan: Loan, by: Actor, today: dt.date | None = None) -> Loan:
    """Take a copy back: the loan closes today and the copy is on the shelf again."""
    _staff_check(by, "办理还书")
    today = today or clock_today()
    with transaction.atomic():
        loan = _open_loan_locked(loan)
        loan.returned_on = today
        loan.save(update_fields=["returned_on"])
        copy = Copy.objects.select_for_update().get(pk=loan.copy_id)
        if copy.status == Copy.Status.ON_LOAN:
            copy.status = Copy.Status.AVAILABLE
            copy.save(update_fields=["status"])
        audit_append(
            actor=by,
            action="center.library.return",
            object_type="center.loan",
            object_id=str(loan.pk),
            after={
                "barcode": copy.barcode,
                "returned_on": today.isoformat(),
                "overdue_days": rules.loan_overdue_days(due=loan.due_on, today=today),
            },
        )
        title_event_publish(book=loan.copy.book)
    return loan


def loan_renew(*, loan: Loan, by: Actor, today: dt.date | None = None) -> Loan:
    """Renew a book loan once (the rules' ``loan_renew``); periodicals are not renewed."""
    _staff_check(by, "办理续借")
    today = today or clock_today()
    with transaction.atomic():
        loan = _open_loan_locked(loan)
        if loan.copy.book.kind == Book.Kind.PERIODICAL:
            raise Conflict(
                "期刊借期短，按规定不能续借，请按期归还",
                code="library_renewal_periodical",
                detail={"loan": loan.pk},
            )
        renewal = rules.loan_renew(
            due=loan.due_on,
            renewals=loan.renewals,
            today=today,
            item_kind=loan.copy.book.kind,
            policy=POLICY,
            calendar=calendar_get(),
        )
        before = loan.due_on
        loan.due_on, loan.renewals = renewal.due, renewal.renewals
        # Reminders about the old due date say nothing about the new one.
        loan.reminded_due_soon_at = None
        loan.save(update_fields=["due_on", "renewals", "reminded_due_soon_at"])
        audit_append(
            actor=by,
            action="center.library.renew",
            object_type="center.loan",
            object_id=str(loan.pk),
            before={"due_on": before.isoformat()},
            after={"due_on": loan.due_on.isoformat(), "renewals": loan.renewals},
        )
    return loan


@dataclass(frozen=True)
class RemindersSent:
    due_soon: int
    overdue: int

    @property
    def total(self) -> int:
        return self.due_soon + self.overdue


def reminder_text(*, loan: Loan, overdue: bool, today: dt.date) -> str:
    """The reminder as the reader reads it (SMS length)."""
    title = loan.copy.book.title
    if overdue:
        days = rules.loan_overdue_days(due=loan.due_on, today=today)
        return (
            f"【党校图书服务窗口】{loan.reader.name}您好！您借阅的《{title}》应于"
            f"{loan.due_on.month}月{loan.due_on.day}日归还，已逾期{days}天，请尽快归还。"
        )
    return (
        f"【党校图书服务窗口】{loan.reader.name}您好！您借阅的《{title}》将于"
        f"{loan.due_on.month}月{loan.due_on.day}日到期，请按时归还或到窗口续借。"
    )


def loan_reminders_send(*, by: Actor, today: dt.date | None = None) -> RemindersSent:
    """Send the due-soon and overdue reminders due today, each at most once per loan (the periodic task's job)."""
    _staff_check(by, "发送借阅提醒")
    today = today or clock_today()
    with transaction.atomic():
        loans = {
            loan.pk: loan
            for loan in Loan.objects.select_for_update(of=("self",))
            .select_related("copy__book", "reader")
            .filter(returned_on__isnull=True)
            .filter(Q(reminded_overdue_at__isnull=True) | Q(reminded_due_soon_at__isnull=True))
            .order_by("due_on", "id")
        }
        batch = rules.reminders_due(
            loans=[
                rules.LoanReminderState(
                    loan_id=loan.pk,
                    due=loan.due_on,
                    due_soon_sent=loan.reminded_due_soon_at is not None,
                    overdue_sent=loan.reminded_overdue_at is not None,
                )
                for loan in loans.values()
            ],
            today=today,
            days_before=REMINDER_DAYS_BEFORE,
        )
        now = clock_now()
        for ids, overdue in ((batch.due_soon, False), (batch.overdue, True)):
            for loan_id in ids:
                loan = loans[loan_id]
                notice_send(
                    recipient=loan.reader.phone or f"reader:{loan.reader.card_no}",
                    body=reminder_text(loan=loan, overdue=overdue, today=today),
                    subject_type="center.loan",
                    subject_id=str(loan.pk),
                    by=by,
                )
                if overdue:
                    loan.reminded_overdue_at = now
                    loan.save(update_fields=["reminded_overdue_at"])
                else:
                    loan.reminded_due_soon_at = now
                    loan.save(update_fields=["reminded_due_soon_at"])
        if batch.due_soon or batch.overdue:
            audit_append(
                actor=by,
                action="center.library.remind",
                object_type="center.loan_reminders",
                object_id=today.isoformat(),
                after={"due_soon": list(batch.due_soon), "overdue": list(batch.overdue)},
            )
    return RemindersSent(due_soon=len(batch.due_soon), overdue=len(batch.overdue))


# --- selectors -------------------------------------------------------------------------------------


def _with_counts(books: QuerySet[Book]) -> QuerySet[Book]:
    return books.annotate(
        copies_total=Count("copies", filter=~Q(copies__status=Copy.Status.LOST)),
        copies_available=Count("copies", filter=Q(copies__status=Copy.Status.AVAILABLE)),
    )


def catalogue_search(
    *, q: str = "", category: str = "", kind: str = "", available_only: bool = False
) -> QuerySet[Book]:
    """Titles matching ``q`` (title, author, publisher, call number or ISBN in any form), with
    ``copies_total`` (not lost) and ``copies_available`` (on the shelf); ``category`` matches the
    中图法 class and its subclasses (D matches D61)."""
    books = Book.objects.all()
    q = (q or "").strip()
    if q:
        match = Q(title__icontains=q) | Q(author__icontains=q) | Q(publisher__icontains=q)
        match |= Q(call_number__icontains=q)
        compact = rules.isbn_normalize(q)
        if compact and re.fullmatch(r"[0-9X]{4,13}", compact):
            verdict = rules.isbn_validate(compact)
            match |= Q(isbn__contains=compact) | Q(isbn=verdict.isbn13 or compact)
        books = books.filter(match)
    category = _class_number(category)
    if category:
        books = books.filter(category__startswith=category)
    if kind in Book.Kind.values:
        books = books.filter(kind=kind)
    if available_only:
        books = books.filter(pk__in=Copy.objects.filter(status=Copy.Status.AVAILABLE).values("book_id"))
    return _with_counts(books).order_by("category", "call_number", "title", "id")


def recommendations_list(*, limit: int = 10) -> list[Book]:
    """The new-book recommendations, newest first, with their copy counts."""
    return list(
        _with_counts(Book.objects.filter(recommended_at__isnull=False)).order_by("-recommended_at", "-id")[:limit]
    )


def title_get(*, book_id: int) -> Book:
    found = _with_counts(Book.objects.filter(pk=book_id)).first()
    if found is None:
        raise NotFound("图书不存在", code="library_book_missing", detail={"id": book_id})
    return found


def title_copies(*, book: Book) -> list[Copy]:
    return list(book.copies.order_by("issue", "barcode"))


def copy_get(*, copy_id: int) -> Copy:
    found = Copy.objects.select_related("book").filter(pk=copy_id).first()
    if found is None:
        raise NotFound("复本不存在", code="library_copy_missing", detail={"id": copy_id})
    return found


def loan_get(*, loan_id: int) -> Loan:
    found = Loan.objects.select_related("copy__book", "reader").filter(pk=loan_id).first()
    if found is None:
        raise NotFound("借阅记录不存在", code="library_loan_missing", detail={"loan": loan_id})
    return found


def loan_open_for_barcode(*, barcode: str) -> Loan:
    """The open loan of the copy with ``barcode`` (the desk scans the book it is handed)."""
    barcode = (barcode or "").strip().upper()
    if not barcode:
        raise InvalidInput("请扫描或填写条码", code="library_field_required", detail={"field": "barcode"})
    found = (
        Loan.objects.select_related("copy__book", "reader")
        .filter(copy__barcode=barcode, returned_on__isnull=True)
        .first()
    )
    if found is None:
        if not Copy.objects.filter(barcode=barcode).exists():
            raise NotFound(f"条码{barcode}不存在", code="library_copy_missing", detail={"barcode": barcode})
        raise Conflict(f"条码{barcode}的图书未被借出", code="library_copy_not_on_loan", detail={"barcode": barcode})
    return found


def _days_overdue(loans: list[Loan], today: dt.date) -> list[Loan]:
    for loan in loans:
        loan.days_overdue = rules.loan_overdue_days(due=loan.due_on, today=today)  # type: ignore[attr-defined]
    return loans


def loans_open(*, overdue_only: bool = False, today: dt.date | None = None) -> list[Loan]:
    """Open loans by due date, each with ``days_overdue``; ``overdue_only``: past their due date."""
    today = today or clock_today()
    loans = Loan.objects.select_related("copy__book", "reader").filter(returned_on__isnull=True)
    if overdue_only:
        loans = loans.filter(due_on__lt=today)
    return _days_overdue(list(loans.order_by("due_on", "id")), today)


def reader_loans(*, reader: Reader, today: dt.date | None = None) -> list[Loan]:
    """A reader's loans, open ones first, each with ``days_overdue`` (0 once returned)."""
    today = today or clock_today()
    loans = list(reader.loans.select_related("copy__book").order_by("returned_on", "-borrowed_on", "-id"))
    for loan in loans:
        open_days = rules.loan_overdue_days(due=loan.due_on, today=today)
        loan.days_overdue = 0 if loan.returned_on else open_days  # type: ignore[attr-defined]
    return sorted(loans, key=lambda loan: (loan.returned_on is not None, loan.due_on))


def readers_list(*, q: str = "") -> QuerySet[Reader]:
    """Card holders with how many books each holds now."""
    readers = Reader.objects.annotate(open_loans=Count("loans", filter=Q(loans__returned_on__isnull=True)))
    q = (q or "").strip()
    if q:
        readers = readers.filter(Q(card_no__icontains=q) | Q(name__icontains=q) | Q(organisation__icontains=q))
    return readers.order_by("-active", "card_no")


def reader_get(*, reader_id: int) -> Reader:
    found = Reader.objects.filter(pk=reader_id).first()
    if found is None:
        raise NotFound("读者不存在", code="library_reader_missing", detail={"id": reader_id})
    return found
