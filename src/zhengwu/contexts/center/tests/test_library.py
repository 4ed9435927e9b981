"""center.library: titles, the catalogue import, copies, readers, lending, renewals, reminders, the public events."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import openpyxl
import pytest

from zhengwu.contexts.center import library
from zhengwu.contexts.center.demo_library import demo_isbn
from zhengwu.contexts.center.library_rules import isbn10_check_char, isbn13_check_char
from zhengwu.contexts.center.models import Book, Copy, Loan, Reader
from zhengwu.contexts.center.tests.roster_world import (
    SYSTEM,
    _clock_and_calendar,  # noqa: F401  (autouse fixture)
    people_make,
)
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from zhengwu.platform.audit.models import AuditEntry
from zhengwu.platform.exchange.models import OutboxMessage

pytestmark = pytest.mark.django_db

D = dt.date
TODAY = D(2026, 3, 2)
ISBN_A = demo_isbn(1, "rm")
ISBN_B = demo_isbn(2, "fl")
ISBN_C = demo_isbn(3, "dx")


def _fields(**changes: Any) -> library.TitleFields:
    values: dict[str, Any] = {
        "kind": "book",
        "isbn": ISBN_A,
        "title": "中国共产党简史",
        "author": "本书编写组",
        "publisher": "人民出版社",
        "year": 2021,
        "category": "D229",
        "call_number": "D229/001",
    }
    values.update(changes)
    return library.title_fields_clean(**values)


def _book(**changes: Any) -> Book:
    return library.title_create(fields=_fields(**changes), by=SYSTEM)


def _reader(card_no: str = "DX001", **changes: Any) -> Reader:
    values = {"card_no": card_no, "name": "王建华", "organisation": "市税务局", "phone": "13908710101"}
    values.update(changes)
    return library.reader_register(**values, by=SYSTEM)


def _events(book: Book) -> list[dict[str, Any]]:
    return [
        message.payload
        for message in OutboxMessage.objects.filter(
            event_type="center.library.title_changed", aggregate_id=f"B{book.pk}"
        ).order_by("sequence")
    ]


def _state() -> tuple[object, ...]:
    return (
        list(Book.objects.order_by("id").values_list("id", "title", "isbn", "recommended_at")),
        list(Copy.objects.order_by("id").values_list("id", "status")),
        list(Loan.objects.order_by("id").values_list("id", "due_on", "returned_on", "renewals")),
        list(Reader.objects.order_by("id").values_list("id", "active")),
        OutboxMessage.objects.count(),
    )


# --- titles ------------------------------------------------------------------------------------------


def test_a_title_is_stored_with_its_isbn13_and_an_isbn10_is_converted() -> None:
    isbn10 = "7-5035-0001-" + isbn10_check_char("750350001")
    book = _book(isbn=isbn10)
    assert book.isbn == "978750350001" + isbn13_check_char("978750350001")
    assert AuditEntry.objects.filter(action="center.library.title_create", object_id=str(book.pk)).exists()


def test_a_bad_isbn_is_refused_in_chinese_and_a_periodical_may_have_none() -> None:
    with pytest.raises(InvalidInput) as caught:
        _fields(isbn="978-7-01-000000-0")
    assert "校验位" in caught.value.message
    with pytest.raises(InvalidInput) as missing:
        _fields(isbn="")
    assert missing.value.code == "library_isbn_required"
    periodical = _book(kind="periodical", isbn="", title="求是")
    assert periodical.isbn == ""


def test_the_same_isbn_twice_is_refused() -> None:
    _book()
    with pytest.raises(Conflict) as caught:
        _book(title="另一个书名")
    assert caught.value.code == "library_isbn_exists"
    assert Book.objects.count() == 1


def test_each_title_change_queues_the_public_record_with_the_right_counts() -> None:
    book = _book()
    assert _events(book)[-1]["copies_total"] == 0
    library.copies_add(book=book, count=3, shelf="D区1架", by=SYSTEM)
    event = _events(book)[-1]
    assert (event["copies_total"], event["copies_available"]) == (3, 3)
    assert event["key"] == f"B{book.pk}"
    assert event["isbn"] == ISBN_A
    assert event["category"] == "D229"
    reader = _reader()
    barcode = book.copies.order_by("barcode").first().barcode  # type: ignore[union-attr]
    loan = library.loan_lend(barcode=barcode, card_no=reader.card_no, by=SYSTEM)
    assert (_events(book)[-1]["copies_total"], _events(book)[-1]["copies_available"]) == (3, 2)
    assert "DX001" not in str(_events(book)[-1])
    assert "王建华" not in str(_events(book)[-1])
    library.loan_return(loan=loan, by=SYSTEM)
    assert _events(book)[-1]["copies_available"] == 3
    library.copy_lost(copy=book.copies.get(barcode=barcode), by=SYSTEM)
    assert (_events(book)[-1]["copies_total"], _events(book)[-1]["copies_available"]) == (2, 2)
    library.title_recommend(book=book, by=SYSTEM)
    assert _events(book)[-1]["recommended_at"] is not None
    library.title_edit(book=book, fields=_fields(title="中国共产党简史（修订版）"), by=SYSTEM)
    assert _events(book)[-1]["title"] == "中国共产党简史（修订版）"
    # created, copies, lent, returned, lost, recommended, edited
    assert len(_events(book)) == 7


def test_copies_get_barcodes_of_their_title_and_a_periodical_takes_issues() -> None:
    book = _book()
    copies = library.copies_add(book=book, count=2, by=SYSTEM)
    assert [c.barcode for c in copies] == [f"TS{book.pk:06d}-001", f"TS{book.pk:06d}-002"]
    more = library.copies_add(book=book, count=1, by=SYSTEM)
    assert more[0].barcode == f"TS{book.pk:06d}-003"
    periodical = _book(kind="periodical", isbn="", title="求是")
    with pytest.raises(InvalidInput):
        library.copies_add(book=periodical, count=1, by=SYSTEM)
    issues = library.issue_add(book=periodical, issue="2026年第5期", count=2, by=SYSTEM)
    assert {c.issue for c in issues} == {"2026年第5期"}
    assert issues[0].barcode.startswith("QK")
    with pytest.raises(InvalidInput):
        library.issue_add(book=book, issue="2026年第5期", by=SYSTEM)


# --- the import --------------------------------------------------------------------------------------


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


HEADER = ["isbn", "title", "author", "publisher", "year", "category", "call_number", "kind", "copies", "shelf"]


def test_an_import_with_bad_rows_saves_nothing_and_reports_every_row() -> None:
    before = _state()
    data = _csv(
        [
            HEADER,
            [ISBN_A, "中国共产党简史", "本书编写组", "人民出版社", "2021", "D229", "D229/1", "图书", "2", "A1"],
            ["978-7-01-000000-0", "校验位错", "", "", "2020", "D6", "", "", "1", ""],
            [ISBN_B, "", "", "", "2020", "D6", "", "", "1", ""],
            [ISBN_C, "年份错", "", "", "二〇二〇", "D6", "", "", "1", ""],
            ["", "求是", "", "求是杂志社", "", "D2", "", "期刊", "3", ""],
            [demo_isbn(4, "rm"), "分类号错", "", "", "", "6D", "", "", "x", ""],
        ]
    )
    with pytest.raises(InvalidInput) as caught:
        library.catalogue_import(filename="目录.csv", data=data, by=SYSTEM)
    assert caught.value.code == "library_import_rows_invalid"
    errors = caught.value.detail["errors"]
    assert [e["row"] for e in errors] == [3, 4, 5, 6, 7]
    assert "校验位" in errors[0]["reason"]
    assert "题名" in errors[1]["reason"]
    assert "出版年" in errors[2]["reason"]
    assert "期刊" in errors[3]["reason"]
    assert "分类号" in errors[4]["reason"]
    assert _state() == before


def test_an_xlsx_import_creates_titles_and_a_known_isbn_adds_copies() -> None:
    existing = _book()
    library.copies_add(book=existing, count=1, by=SYSTEM)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["ISBN", "题名", "责任者", "出版社", "出版年", "分类号", "索书号", "类型", "复本数", "架位"])
    sheet.append([ISBN_A.replace("978", "978-"), "中国共产党简史", "", "", 2021, "D229", "", "图书", 2, "A1"])
    sheet.append([ISBN_B, "中华人民共和国民法典", "", "法律出版社", 2020, "D923", "D923/1", "", 3, "A2"])
    sheet.append([ISBN_B, "中华人民共和国民法典", "", "法律出版社", 2020, "D923", "D923/1", "", 1, "A2"])
    sheet.append([None, "中国行政管理", None, "中国行政管理学会", None, "D63", None, "期刊", None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = library.catalogue_import(filename="catalogue.xlsx", data=buffer.getvalue(), by=SYSTEM)
    assert (result.titles_created, result.titles_extended, result.copies_added) == (2, 1, 6)
    assert Book.objects.filter(isbn=ISBN_A).count() == 1
    assert existing.copies.count() == 3
    code = Book.objects.get(isbn=ISBN_B)
    assert code.copies.count() == 4
    assert code.category == "D923"
    assert Book.objects.filter(kind="periodical", title="中国行政管理").exists()
    assert _events(existing)[-1]["copies_total"] == 3
    assert _events(code)[-1]["copies_total"] == 4


def test_an_import_without_the_columns_or_of_another_type_is_refused() -> None:
    with pytest.raises(InvalidInput) as header:
        library.catalogue_import(filename="a.csv", data=_csv([["书名"], ["x"]]), by=SYSTEM)
    assert header.value.code == "library_import_header"
    with pytest.raises(InvalidInput) as kind:
        library.catalogue_import(filename="a.pdf", data=b"%PDF", by=SYSTEM)
    assert kind.value.code == "library_import_file_type"
    assert Book.objects.count() == 0


# --- lending -----------------------------------------------------------------------------------------


@pytest.fixture
def shelf() -> dict[str, Any]:
    book = _book()
    copies = library.copies_add(book=book, count=6, by=SYSTEM)
    periodical = _book(kind="periodical", isbn="", title="求是", author="求是杂志社", category="D2")
    issue = library.issue_add(book=periodical, issue="2026年第5期", by=SYSTEM)[0]
    return {"book": book, "copies": copies, "issue": issue, "reader": _reader()}


def test_a_loan_is_due_after_the_loan_days_moved_off_a_holiday(shelf: dict[str, Any]) -> None:
    loan = library.loan_lend(barcode=shelf["copies"][0].barcode, card_no="dx001", by=SYSTEM, today=D(2026, 9, 1))
    # 1 September + 30 days is National Day; the window opens again on 8 October.
    assert loan.due_on == D(2026, 10, 8)
    assert Copy.objects.get(pk=shelf["copies"][0].pk).status == Copy.Status.ON_LOAN
    periodical = library.loan_lend(barcode=shelf["issue"].barcode, card_no="DX001", by=SYSTEM, today=TODAY)
    assert periodical.due_on == D(2026, 3, 9)


def test_the_loan_limit_refuses_the_sixth_item(shelf: dict[str, Any]) -> None:
    for copy in shelf["copies"][:5]:
        library.loan_lend(barcode=copy.barcode, card_no="DX001", by=SYSTEM)
    before = _state()
    with pytest.raises(Conflict) as caught:
        library.loan_lend(barcode=shelf["copies"][5].barcode, card_no="DX001", by=SYSTEM)
    assert caught.value.code == "library_loan_limit"
    assert _state() == before


def test_a_copy_on_loan_or_lost_cannot_be_lent_and_unknown_codes_are_named(shelf: dict[str, Any]) -> None:
    _reader("DX002", name="李晓梅")
    barcode = shelf["copies"][0].barcode
    library.loan_lend(barcode=barcode, card_no="DX001", by=SYSTEM)
    before = _state()
    with pytest.raises(Conflict) as caught:
        library.loan_lend(barcode=barcode, card_no="DX002", by=SYSTEM)
    assert caught.value.code == "library_copy_unavailable"
    assert "借出" in caught.value.message
    library.copy_lost(copy=shelf["copies"][1], by=SYSTEM)
    with pytest.raises(Conflict):
        library.loan_lend(barcode=shelf["copies"][1].barcode, card_no="DX002", by=SYSTEM)
    with pytest.raises(NotFound) as missing:
        library.loan_lend(barcode="NOPE", card_no="DX002", by=SYSTEM)
    assert missing.value.code == "library_copy_missing"
    with pytest.raises(NotFound):
        library.loan_lend(barcode=shelf["copies"][2].barcode, card_no="DX999", by=SYSTEM)
    assert Loan.objects.count() == 1
    assert before[2] == _state()[2]


def test_renewal_once_for_books_never_for_periodicals_nor_overdue(shelf: dict[str, Any]) -> None:
    loan = library.loan_lend(barcode=shelf["copies"][0].barcode, card_no="DX001", by=SYSTEM, today=D(2026, 3, 2))
    assert loan.due_on == D(2026, 4, 1)
    renewed = library.loan_renew(loan=loan, by=SYSTEM, today=D(2026, 3, 20))
    assert (renewed.due_on, renewed.renewals) == (D(2026, 5, 6), 1)  # 1 May + 30 → 1 May holidays → 6 May
    with pytest.raises(Conflict) as again:
        library.loan_renew(loan=loan, by=SYSTEM, today=D(2026, 3, 21))
    assert again.value.code == "library_renewal_limit"
    issue_loan = library.loan_lend(barcode=shelf["issue"].barcode, card_no="DX001", by=SYSTEM)
    with pytest.raises(Conflict) as periodical:
        library.loan_renew(loan=issue_loan, by=SYSTEM)
    assert periodical.value.code == "library_renewal_periodical"
    late = library.loan_lend(barcode=shelf["copies"][1].barcode, card_no="DX001", by=SYSTEM, today=D(2026, 1, 5))
    with pytest.raises(Conflict) as overdue:
        library.loan_renew(loan=late, by=SYSTEM, today=TODAY)
    assert overdue.value.code == "library_renewal_overdue"


def test_return_closes_the_loan_and_puts_the_copy_back(shelf: dict[str, Any]) -> None:
    loan = library.loan_lend(barcode=shelf["copies"][0].barcode, card_no="DX001", by=SYSTEM, today=D(2026, 1, 5))
    open_loans = library.loans_open(overdue_only=True)
    assert [(item.pk, item.days_overdue) for item in open_loans] == [(loan.pk, 26)]  # type: ignore[attr-defined]
    returned = library.loan_return(loan=loan, by=SYSTEM)
    assert returned.returned_on == TODAY
    assert Copy.objects.get(pk=shelf["copies"][0].pk).status == Copy.Status.AVAILABLE
    assert library.loans_open() == []
    with pytest.raises(Conflict):
        library.loan_return(loan=loan, by=SYSTEM)
    with pytest.raises(Conflict) as not_out:
        library.loan_open_for_barcode(barcode=shelf["copies"][0].barcode)
    assert not_out.value.code == "library_copy_not_on_loan"
    assert [item.pk for item in library.reader_loans(reader=shelf["reader"])] == [loan.pk]


def test_reminders_go_out_once_each_kind(shelf: dict[str, Any]) -> None:
    _reader("DX002", name="李晓梅", phone="")
    overdue = library.loan_lend(barcode=shelf["copies"][0].barcode, card_no="DX001", by=SYSTEM, today=D(2026, 1, 5))
    soon = library.loan_lend(barcode=shelf["copies"][1].barcode, card_no="DX002", by=SYSTEM, today=D(2026, 2, 2))
    library.loan_lend(barcode=shelf["copies"][2].barcode, card_no="DX001", by=SYSTEM, today=TODAY)  # not due
    assert soon.due_on == D(2026, 3, 4)
    sent = library.loan_reminders_send(by=SYSTEM)
    assert (sent.due_soon, sent.overdue) == (1, 1)
    notices = AuditEntry.objects.filter(action="center.notice.send").order_by("id")
    assert [(n.object_id, n.after["recipient"]) for n in notices] == [
        (str(soon.pk), "reader:DX002"),
        (str(overdue.pk), "13908710101"),
    ]
    assert "逾期26天" in notices[1].after["body"]
    again = library.loan_reminders_send(by=SYSTEM)
    assert again.total == 0
    assert AuditEntry.objects.filter(action="center.notice.send").count() == 2
    # Once overdue, the due-soon loan gets its overdue reminder, once.
    later = library.loan_reminders_send(by=SYSTEM, today=D(2026, 3, 5))
    assert (later.due_soon, later.overdue) == (0, 1)


# --- readers, permissions ----------------------------------------------------------------------------


def test_a_reader_with_books_cannot_be_cancelled_and_a_cancelled_card_cannot_borrow(shelf: dict[str, Any]) -> None:
    loan = library.loan_lend(barcode=shelf["copies"][0].barcode, card_no="DX001", by=SYSTEM)
    with pytest.raises(Conflict) as held:
        library.reader_deactivate(reader=shelf["reader"], by=SYSTEM)
    assert held.value.code == "library_reader_has_loans"
    library.loan_return(loan=loan, by=SYSTEM)
    library.reader_deactivate(reader=shelf["reader"], by=SYSTEM)
    with pytest.raises(Conflict) as inactive:
        library.loan_lend(barcode=shelf["copies"][0].barcode, card_no="DX001", by=SYSTEM)
    assert inactive.value.code == "library_reader_inactive"
    with pytest.raises(Conflict):
        _reader("DX001")


def test_a_denied_actor_changes_nothing(shelf: dict[str, Any]) -> None:
    people = people_make()
    loan = library.loan_lend(barcode=shelf["copies"][0].barcode, card_no="DX001", by=SYSTEM)
    before = _state()
    audit = AuditEntry.objects.count()
    for actor in (people["dept"], people["leader"], people["bidder"], Actor(user_id=None, username="anon")):
        attempts = (
            lambda a=actor: library.title_create(fields=_fields(isbn=ISBN_B), by=a),
            lambda a=actor: library.title_edit(book=shelf["book"], fields=_fields(title="改"), by=a),
            lambda a=actor: library.title_recommend(book=shelf["book"], by=a),
            lambda a=actor: library.copies_add(book=shelf["book"], count=1, by=a),
            lambda a=actor: library.copy_lost(copy=shelf["copies"][1], by=a),
            lambda a=actor: library.reader_register(card_no="DX009", name="某", by=a),
            lambda a=actor: library.reader_deactivate(reader=shelf["reader"], by=a),
            lambda a=actor: library.loan_lend(barcode=shelf["copies"][1].barcode, card_no="DX001", by=a),
            lambda a=actor: library.loan_return(loan=loan, by=a),
            lambda a=actor: library.loan_renew(loan=loan, by=a),
            lambda a=actor: library.loan_reminders_send(by=a, today=D(2026, 4, 30)),
            lambda a=actor: library.catalogue_import(filename="a.csv", data=_csv([HEADER]), by=a),
        )
        for attempt in attempts:
            with pytest.raises(PermissionDenied):
                attempt()
    assert _state() == before
    assert AuditEntry.objects.count() == audit
    staff = people["staff"]
    library.loan_renew(loan=loan, by=staff)


def test_the_catalogue_search_counts_and_filters(shelf: dict[str, Any]) -> None:
    _book(isbn=ISBN_B, title="中华人民共和国民法典", category="D923", author="")
    library.loan_lend(barcode=shelf["copies"][0].barcode, card_no="DX001", by=SYSTEM)
    found = {b.title: (b.copies_available, b.copies_total) for b in library.catalogue_search()}  # type: ignore[attr-defined]
    assert found == {"中国共产党简史": (5, 6), "求是": (1, 1), "中华人民共和国民法典": (0, 0)}
    assert [b.title for b in library.catalogue_search(q=ISBN_A[:3] + "-" + ISBN_A[3:])] == ["中国共产党简史"]
    assert [b.title for b in library.catalogue_search(category="d9")] == ["中华人民共和国民法典"]
    assert [b.title for b in library.catalogue_search(kind="periodical")] == ["求是"]
    assert {b.title for b in library.catalogue_search(available_only=True)} == {"中国共产党简史", "求是"}
    assert [b.title for b in library.catalogue_search(q="编写组")] == ["中国共产党简史"]
