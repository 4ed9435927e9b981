"""The library's pages and API: the public catalogue without sign-in, the staff's desk, catalogue and
readers, refusals that change nothing."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import openpyxl
import pytest
from django.test import Client

from zhengwu.contexts.center import library
from zhengwu.contexts.center.demo_library import demo_isbn, library_demo_load
from zhengwu.contexts.center.models import Book, Copy, Loan, Reader
from zhengwu.contexts.center.tests.roster_world import (
    SYSTEM,
    _clock_and_calendar,  # noqa: F401  (autouse fixture)
    client_for,
    people_make,
)
from zhengwu.platform.exchange.models import OutboxMessage

pytestmark = pytest.mark.django_db

BASE = "/center/library/"
API = "/center/api/center/library"


@pytest.fixture
def world() -> dict[str, Any]:
    people_make()
    library_demo_load(by=SYSTEM)
    book = Book.objects.get(title__startswith="习近平新时代中国特色社会主义思想学习纲要")
    return {"book": book, "reader": Reader.objects.order_by("card_no").first()}


def _state() -> tuple[object, ...]:
    return (
        list(Book.objects.order_by("id").values_list("id", "title", "recommended_at")),
        list(Copy.objects.order_by("id").values_list("id", "status")),
        list(Loan.objects.order_by("id").values_list("id", "due_on", "returned_on", "renewals")),
        list(Reader.objects.order_by("id").values_list("id", "active")),
        OutboxMessage.objects.count(),
    )


def _row(page: str, book: Book) -> str:
    start = page.index(f'data-book="{book.pk}" data-available')
    return page[start : page.index("</tr>", start)]


# --- the public catalogue ----------------------------------------------------------------------------


def test_the_public_catalogue_shows_availability_and_never_a_reader(world: dict[str, Any]) -> None:
    response = Client().get(BASE, {"q": "学习纲要"})
    assert response.status_code == 200
    page = response.content.decode()
    book = world["book"]
    available = book.copies.filter(status="available").count()
    total = book.copies.exclude(status="lost").count()
    assert available < total  # the demo lends one
    assert f'data-available="{available}" data-total="{total}"' in _row(page, book)
    assert book.call_number in page
    for reader in Reader.objects.all():
        assert reader.name not in page
        assert reader.card_no not in page
        assert reader.phone not in page
    full = Client().get(BASE).content.decode()
    assert 'data-testid="recommendations"' in full
    assert "置身事内" in full.split('data-testid="catalogue"')[0]  # recommended, on top
    for reader in Reader.objects.all():
        assert reader.name not in full
        assert reader.card_no not in full


def test_the_public_catalogue_filters_and_pages(world: dict[str, Any]) -> None:
    periodicals = Client().get(BASE, {"kind": "periodical"}).content.decode()
    assert "求是" in periodicals
    assert "民法典" not in periodicals.split('data-testid="catalogue"')[1]
    by_isbn = Client().get(BASE, {"q": demo_isbn(10, "fl")}).content.decode()
    assert "中华人民共和国民法典" in by_isbn.split('data-testid="catalogue"')[1]
    law = Client().get(BASE, {"category": "D92"}).content.decode().split('data-testid="catalogue"')[1]
    assert "民法典" in law
    assert "管理的实践" not in law
    first = Client().get(BASE).content.decode()
    assert 'data-testid="next-page"' in first
    second = Client().get(BASE, {"page": "2"}).content.decode()
    assert second.count("<tr data-book=") >= 1
    only = Client().get(BASE, {"available": "1"}).content.decode()
    assert 'data-available="0"' not in only


# --- the desk ----------------------------------------------------------------------------------------


def test_staff_lend_return_and_renew_at_the_desk(world: dict[str, Any]) -> None:
    staff = client_for("staff")
    book = world["book"]
    copy = book.copies.filter(status="available").order_by("barcode").first()
    reader = Reader.objects.get(card_no="DX2026010")  # holds one book
    response = staff.post(BASE + "desk/lend/", {"barcode": copy.barcode.lower(), "card_no": reader.card_no})
    assert response.status_code == 302
    loan = Loan.objects.get(copy=copy, returned_on__isnull=True)
    desk = staff.get(BASE + "desk/").content.decode()
    assert f'data-barcode="{copy.barcode}"' in desk
    renewed = staff.post(BASE + "desk/renew/", {"barcode": copy.barcode})
    assert renewed.status_code == 302
    loan.refresh_from_db()
    assert loan.renewals == 1
    again = staff.post(BASE + "desk/renew/", {"loan": str(loan.pk)})
    assert again.status_code == 400
    assert "续借次数已达上限" in again.content.decode()
    back = staff.post(BASE + "desk/return/", {"barcode": copy.barcode})
    assert back.status_code == 302
    loan.refresh_from_db()
    assert loan.returned_on is not None
    assert Copy.objects.get(pk=copy.pk).status == "available"


def test_bad_desk_input_is_shown_in_chinese_and_kept(world: dict[str, Any]) -> None:
    staff = client_for("staff")
    before = _state()
    response = staff.post(BASE + "desk/lend/", {"barcode": "TS999999-001", "card_no": "DX2026001"})
    assert response.status_code == 404
    page = response.content.decode()
    assert "条码TS999999-001不存在" in page
    assert 'value="TS999999-001"' in page
    assert 'value="DX2026001"' in page
    on_loan = Copy.objects.filter(status="on_loan").first()
    busy = staff.post(BASE + "desk/lend/", {"barcode": on_loan.barcode, "card_no": "DX2026001"})
    assert busy.status_code == 400
    assert "不能借出" in busy.content.decode()
    returned = staff.post(
        BASE + "desk/return/", {"barcode": world["book"].copies.filter(status="available")[0].barcode}
    )
    assert returned.status_code == 400
    assert "未被借出" in returned.content.decode()
    assert _state() == before


def test_overdue_filter_export_and_reminders(world: dict[str, Any]) -> None:
    staff = client_for("staff")
    overdue = staff.get(BASE + "desk/", {"overdue": "1"}).content.decode()
    rows = overdue.split('data-testid="open-loans"')[1]
    assert rows.count("<tr data-loan=") == 3
    assert 'data-overdue="0"' not in rows
    export = staff.get(BASE + "desk/export/", {"overdue": "1"})
    assert export.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    assert sheet is not None
    table = list(sheet.iter_rows(values_only=True))
    assert table[0][0] == "条码"
    assert len(table) == 4
    assert all(int(row[9]) > 0 for row in table[1:])  # type: ignore[arg-type]
    sent = staff.post(BASE + "desk/reminders/", follow=True).content.decode()
    assert "4" in sent  # three overdue and one due within three days
    loans = Loan.objects.filter(returned_on__isnull=True)
    assert loans.filter(reminded_overdue_at__isnull=False).count() == 3
    assert loans.filter(reminded_due_soon_at__isnull=False).count() == 1
    second = staff.post(BASE + "desk/reminders/", follow=True).content.decode()
    assert "0" in second
    assert loans.filter(reminded_overdue_at__isnull=False).count() == 3


def test_the_catalogue_exports_with_copies_and_availability(world: dict[str, Any]) -> None:
    staff = client_for("staff")
    everything = staff.get(BASE + "manage/export/")
    assert everything.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(everything.content)).active
    assert sheet is not None
    table = list(sheet.iter_rows(values_only=True))
    assert table[0][:3] == ("ISBN", "题名", "责任者")
    assert len(table) - 1 == Book.objects.count()
    book = world["book"]
    row = next(r for r in table[1:] if r[1] == book.title)
    assert (row[0], row[8], row[9]) == (
        book.isbn,
        book.copies.exclude(status="lost").count(),
        book.copies.filter(status="available").count(),
    )
    found = staff.get(BASE + "manage/export/", {"q": "求是"})
    rows = list(openpyxl.load_workbook(io.BytesIO(found.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert [r[1] for r in rows[1:]] == ["求是"]


# --- managing the catalogue, readers -----------------------------------------------------------------


def test_staff_add_a_title_copies_and_recommend(world: dict[str, Any]) -> None:
    staff = client_for("staff")
    isbn = demo_isbn(90, "rm")
    response = staff.post(
        BASE + "manage/titles/",
        {"kind": "book", "isbn": isbn, "title": "新书", "category": "D6", "year": "2025"},
    )
    assert response.status_code == 302
    book = Book.objects.get(isbn=isbn)
    assert staff.post(BASE + f"manage/titles/{book.pk}/copies/", {"count": "2", "shelf": "D区"}).status_code == 302
    assert book.copies.count() == 2
    assert staff.post(BASE + f"manage/titles/{book.pk}/recommend/", {"recommend": "1"}).status_code == 302
    book.refresh_from_db()
    assert book.recommended_at is not None
    bad = staff.post(BASE + "manage/titles/", {"kind": "book", "isbn": "9787010000000", "title": "错号"})
    assert bad.status_code == 400
    page = bad.content.decode()
    assert "校验位" in page
    assert 'value="错号"' in page
    lost = book.copies.first()
    assert staff.post(BASE + f"manage/titles/{book.pk}/copies/{lost.pk}/lost/").status_code == 302
    assert Copy.objects.get(pk=lost.pk).status == "lost"


def test_an_upload_with_bad_rows_shows_each_row_and_saves_nothing(world: dict[str, Any]) -> None:
    staff = client_for("staff")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["isbn", "title", "copies"])
    writer.writerow([demo_isbn(91, "rm"), "好的一行", "1"])
    writer.writerow(["123", "坏的一行", "1"])
    writer.writerow([demo_isbn(92, "rm"), "", "1"])
    upload = io.BytesIO(out.getvalue().encode("utf-8"))
    upload.name = "目录.csv"
    before = _state()
    response = staff.post(BASE + "manage/import/", {"file": upload})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-row="3"' in page
    assert 'data-row="4"' in page
    assert 'data-row="2"' not in page
    assert "ISBN应为10位或13位" in page
    assert "请填写题名" in page
    assert _state() == before
    good = io.BytesIO(f"isbn,title,copies\n{demo_isbn(91, 'rm')},好的一行,2\n".encode())
    good.name = "ok.csv"
    assert staff.post(BASE + "manage/import/", {"file": good}).status_code == 302
    assert Book.objects.get(title="好的一行").copies.count() == 2


def test_readers_register_list_and_detail(world: dict[str, Any]) -> None:
    staff = client_for("staff")
    response = staff.post(BASE + "readers/register/", {"card_no": "dx-9", "name": "新读者", "organisation": "市水务局"})
    assert response.status_code == 302
    reader = Reader.objects.get(card_no="DX-9")
    listing = staff.get(BASE + "readers/", {"q": "新读者"}).content.decode()
    assert 'data-card="DX-9"' in listing
    duplicate = staff.post(BASE + "readers/register/", {"card_no": "DX-9", "name": "重复"})
    assert duplicate.status_code == 400
    assert "已被使用" in duplicate.content.decode()
    holder = Loan.objects.filter(returned_on__isnull=True).first().reader
    detail = staff.get(BASE + f"readers/{holder.pk}/").content.decode()
    assert 'data-testid="reader-loans"' in detail
    refused = staff.post(BASE + f"readers/{holder.pk}/deactivate/")
    assert refused.status_code == 400
    assert "未归还" in refused.content.decode()
    assert staff.post(BASE + f"readers/{reader.pk}/deactivate/").status_code == 302
    assert not Reader.objects.get(pk=reader.pk).active


@pytest.mark.parametrize("who", ["dept", "leader", "bidder"])
def test_non_staff_are_refused_and_nothing_changes(world: dict[str, Any], who: str) -> None:
    client = client_for(who)
    copy = world["book"].copies.filter(status="available").first()
    before = _state()
    for url in ("desk/", "manage/", "readers/", "desk/export/", "manage/export/", f"manage/titles/{world['book'].pk}/"):
        assert client.get(BASE + url).status_code == 403
    posts = {
        "desk/lend/": {"barcode": copy.barcode, "card_no": "DX2026001"},
        "desk/reminders/": {},
        "manage/titles/": {"kind": "book", "isbn": demo_isbn(95, "rm"), "title": "x"},
        f"manage/titles/{world['book'].pk}/recommend/": {"recommend": "1"},
        "readers/register/": {"card_no": "X1", "name": "x"},
    }
    for url, data in posts.items():
        assert client.post(BASE + url, data).status_code == 403
    assert _state() == before


def test_anonymous_staff_pages_send_to_sign_in(world: dict[str, Any]) -> None:
    before = _state()
    response = Client().post(BASE + "desk/lend/", {"barcode": "x", "card_no": "y"})
    assert response.status_code == 302
    assert "login" in response["Location"]
    assert _state() == before


# --- the API -----------------------------------------------------------------------------------------


def test_the_api_titles_are_public_and_the_loans_are_staff_only(world: dict[str, Any]) -> None:
    response = Client().get(API + "/titles", {"q": "学习纲要"})
    assert response.status_code == 200
    body = response.json()
    item = next(i for i in body["items"] if i["title"].startswith("习近平新时代"))
    assert item["copies_available"] < item["copies_total"]
    assert "DX20" not in response.content.decode()
    assert Client().get(API + "/loans").status_code == 401
    dept = client_for("dept")
    before = _state()
    copy = world["book"].copies.filter(status="available").first()
    refused = dept.post(
        API + "/loans", json.dumps({"barcode": copy.barcode, "card_no": "DX2026001"}), content_type="application/json"
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "library_permission_denied"
    assert _state() == before


def test_the_api_lends_renews_and_returns(world: dict[str, Any]) -> None:
    staff = client_for("staff")
    copy = world["book"].copies.filter(status="available").first()
    lent = staff.post(
        API + "/loans", json.dumps({"barcode": copy.barcode, "card_no": "DX2026010"}), content_type="application/json"
    )
    assert lent.status_code == 201, lent.content
    loan = lent.json()
    assert loan["barcode"] == copy.barcode
    assert loan["days_overdue"] == 0
    busy = staff.post(
        API + "/loans", json.dumps({"barcode": copy.barcode, "card_no": "DX2026009"}), content_type="application/json"
    )
    assert busy.status_code == 409
    assert busy.json()["code"] == "library_copy_unavailable"
    renewed = staff.post(f"{API}/loans/{loan['id']}/renew")
    assert renewed.status_code == 200
    assert renewed.json()["renewals"] == 1
    returned = staff.post(f"{API}/loans/{loan['id']}/return")
    assert returned.status_code == 200
    assert returned.json()["returned_on"] is not None
    assert staff.post(f"{API}/loans/{loan['id']}/return").status_code == 409
    assert staff.post(f"{API}/loans/999999/return").status_code == 404
    overdue = staff.get(API + "/loans", {"overdue": "true"}).json()
    assert len(overdue) == 3
    assert all(item["days_overdue"] > 0 for item in overdue)
    assert library.loans_open(overdue_only=True)[0].pk == overdue[0]["id"]


def test_staff_edit_a_title_and_register_a_periodical_issue(world: dict[str, Any]) -> None:
    staff = client_for("staff")
    book = world["book"]
    form = {
        "kind": "book",
        "isbn": book.isbn,
        "title": book.title,
        "category": "d610",
        "call_number": "D610/999",
        "year": "2023",
    }
    assert staff.post(BASE + f"manage/titles/{book.pk}/edit/", form).status_code == 302
    book.refresh_from_db()
    assert (book.category, book.call_number) == ("D610", "D610/999")
    bad = staff.post(BASE + f"manage/titles/{book.pk}/edit/", {**form, "year": "明年", "call_number": "D610/1000"})
    assert bad.status_code == 400
    page = bad.content.decode()
    assert "出版年" in page
    assert 'value="D610/1000"' in page
    book.refresh_from_db()
    assert book.call_number == "D610/999"
    periodical = Book.objects.get(title="求是")
    issues = periodical.copies.count()
    response = staff.post(BASE + f"manage/titles/{periodical.pk}/copies/", {"issue": "2026年第11期", "count": "2"})
    assert response.status_code == 302
    assert periodical.copies.filter(issue="2026年第11期").count() == 2
    missing = staff.post(BASE + f"manage/titles/{periodical.pk}/copies/", {"issue": "", "count": "1"})
    assert missing.status_code == 400
    assert "请填写期次" in missing.content.decode()
    assert periodical.copies.count() == issues + 2
