"""Importing experts from an .xlsx sheet: good rows in, every problem of the bad rows reported by
row number, column, code and Chinese message — through the service, the page and the API."""

from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from zhengwu.contexts.experts.models import Expert
from zhengwu.contexts.experts.personal import id_card_digest
from zhengwu.contexts.experts.services import experts_import
from zhengwu.contexts.experts.sheet import COLUMNS
from zhengwu.contexts.experts.tests.factories import (
    HEADERS,
    TODAY,
    World,
    client_for,
    id_card_make,
    sheet_row,
    uscc_make,
    xlsx_make,
)
from zhengwu.kernel.errors import InvalidInput, PermissionDenied
from zhengwu.platform.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def _errors(report: object) -> set[tuple[int, str, str]]:
    return {(e.row, e.column, e.code) for e in report.errors}  # type: ignore[attr-defined]


def test_imports_the_good_rows_and_reports_every_problem_of_the_bad_ones(world: World) -> None:
    in_pool = world.experts["expert"]
    duplicate = id_card_make("530112", dt.date(1980, 2, 29))
    employer_uscc = uscc_make()
    good_number = id_card_make("530114", dt.date(1972, 8, 8), male=True)
    wrong_check = id_card_make()
    wrong_check = wrong_check[:17] + ("0" if wrong_check[17] != "0" else "1")
    rows = [
        # row 2: good, with an employer code, a date cell and a text date
        sheet_row(
            姓名="赵振华",
            身份证号码=good_number,
            工作单位统一社会信用代码=employer_uscc,
            职称级别="正高级",
            其他专业代码="A080204，A040104; a080202",
            出生日期=dt.datetime(1972, 8, 8),
            入库日期="2025/12/01",
        ),
        # row 3: bad check character, unknown specialty, bad date: three problems at once
        sheet_row(姓名="钱坏行", 身份证号码=wrong_check, 主评专业代码="A99", 入库日期="2025-13-01"),
        # row 4: the identity number as a number cell (Excel has already changed its digits)
        sheet_row(姓名="孙数字", 身份证号码=530102197005170011),
        # row 5: required cells empty
        sheet_row(姓名="", 手机号码=None, 工作年限=None),
        # row 6: good (first occurrence of a number)
        sheet_row(
            姓名="周春梅",
            身份证号码=duplicate,
            专家库类别="政府采购评审专家库",
            主评专业代码="B010107",
            其他专业代码=None,
        ),
        # row 7: the same number again in the sheet
        sheet_row(姓名="吴重复", 身份证号码=duplicate),
        # row 8: blank, skipped
        {},
        # row 9: already in the pool
        sheet_row(姓名="吴建国", 身份证号码=world.experts["expert"].id_card_masked.replace("*", "0")),
        # row 10: a region that is no region, a birth date that disagrees with the number
        sheet_row(姓名="郑地区", 所在地区代码="999999", 出生日期="1901-01-01", 职称级别="特级", 工作年限="十年"),
    ]
    # Row 9 must carry the real number of the pooled expert, which is sealed: re-enter it from the seal.
    from zhengwu.contexts.experts.personal import id_card_open

    rows[7]["身份证号码"] = id_card_open(expert_uuid=in_pool.uuid, sealed=in_pool.id_card_sealed)
    before = Expert.objects.count()

    report = experts_import(file=xlsx_make(rows), file_name="专家名单.xlsx", by=world["staff"])

    assert report.rows == 8  # the blank row is not a row
    assert [(r.row, r.name) for r in report.imported] == [(2, "赵振华"), (6, "周春梅")]
    assert Expert.objects.count() == before + 2
    assert _errors(report) == {
        (3, "身份证号码", "id_card_check_digit"),
        (3, "主评专业代码", "specialty_unknown"),
        (3, "入库日期", "date_invalid"),
        (4, "身份证号码", "id_card_numeric_cell"),
        (5, "姓名", "name_required"),
        (5, "手机号码", "phone_required"),
        (5, "工作年限", "work_years_required"),
        (7, "身份证号码", "id_card_duplicate_in_sheet"),
        (9, "身份证号码", "expert_id_card_taken"),
        (10, "所在地区代码", "region_code_invalid"),
        (10, "出生日期", "birth_date_mismatch"),
        (10, "职称级别", "title_level_unknown"),
        (10, "工作年限", "work_years_invalid"),
    }
    assert report.failed_rows == [3, 4, 5, 7, 9, 10]
    duplicate_error = next(e for e in report.errors if e.code == "id_card_duplicate_in_sheet")
    assert duplicate_error.message == "身份证号码与第6行重复"
    assert all(e.message for e in report.errors)

    imported = Expert.objects.get(id_card_digest=id_card_digest(good_number))
    assert (imported.employer_uscc, imported.title_level, imported.entered_on) == (
        employer_uscc,
        "full_senior",
        dt.date(2025, 12, 1),
    )
    assert list(imported.specialties.values_list("code", "is_main")) == [
        ("A080205", True),
        ("A040104", False),
        ("A080202", False),
        ("A080204", False),
    ]
    procurement = Expert.objects.get(id_card_digest=id_card_digest(duplicate))
    assert (procurement.base_type, procurement.entered_on) == ("procurement", TODAY)
    assert AuditEntry.objects.filter(action="experts.expert.import").count() == 2
    run = AuditEntry.objects.get(action="experts.import.run")
    assert run.after == {
        "file_name": "专家名单.xlsx",
        "rows": 8,
        "imported": 2,
        "failed_rows": 6,
        "missing_headers": [],
    }


def test_importing_the_corrected_sheet_again_adds_only_the_fixed_rows(world: World) -> None:
    first, second = id_card_make(), id_card_make()
    bad = sheet_row(姓名="后补", 身份证号码=second, 主评专业代码="")
    report = experts_import(file=xlsx_make([sheet_row(身份证号码=first), bad]), by=world["staff"])
    assert [r.row for r in report.imported] == [2]
    fixed = sheet_row(姓名="后补", 身份证号码=second, 主评专业代码="A06")
    again = experts_import(file=xlsx_make([sheet_row(身份证号码=first), fixed]), by=world["staff"])
    assert [r.row for r in again.imported] == [3]
    assert _errors(again) == {(2, "身份证号码", "expert_id_card_taken")}


def test_columns_may_come_in_any_order_and_unknown_columns_are_ignored(world: World) -> None:
    headers = ("序号", *reversed(HEADERS))
    row = sheet_row(序号=1)
    report = experts_import(file=xlsx_make([row], headers=headers), by=world["staff"])
    assert len(report.imported) == 1
    assert report.errors == []


def test_a_missing_required_column_is_reported_and_fails_every_row(world: World) -> None:
    headers = tuple(h for h in HEADERS if h != "手机号码")
    report = experts_import(file=xlsx_make([sheet_row(), sheet_row()], headers=headers), by=world["staff"])
    assert report.missing_headers == ["手机号码"]
    assert report.imported == []
    assert _errors(report) == {(2, "手机号码", "phone_required"), (3, "手机号码", "phone_required")}


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"not a workbook", "import_file_invalid"),
        (xlsx_make([], headers=("甲", "乙")), "import_no_header"),
        (xlsx_make([]), "import_empty"),
    ],
)
def test_an_unusable_file_is_refused_and_nothing_is_imported(world: World, content: bytes, code: str) -> None:
    before = (Expert.objects.count(), AuditEntry.objects.filter(action__startswith="experts.").count())
    with pytest.raises(InvalidInput) as caught:
        experts_import(file=content, by=world["staff"])
    assert caught.value.code == code
    assert (Expert.objects.count(), AuditEntry.objects.filter(action__startswith="experts.").count()) == before


@pytest.mark.parametrize("who", ["regulator", "expert", "tenderer", "agency", "bidder", "public"])
def test_only_staff_import(world: World, who: str) -> None:
    before = Expert.objects.count()
    with pytest.raises(PermissionDenied):
        experts_import(file=xlsx_make([sheet_row()]), by=world[who])
    assert Expert.objects.count() == before


def test_the_template_filled_in_imports(world: World) -> None:
    response = client_for("staff").get("/trading/experts/import/template/")
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["专家", "填写说明", "专业代码"]
    sheet = workbook["专家"]
    headers = [cell.value for cell in sheet[1]]
    assert headers == [c.header + ("*" if c.required else "") for c in COLUMNS]
    row = sheet_row()
    sheet.append([row.get(str(h).rstrip("*")) for h in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = experts_import(file=buffer.getvalue(), by=world["staff"])
    assert len(report.imported) == 1
    assert report.errors == []


def test_the_import_page_shows_the_row_errors(world: World) -> None:
    content = xlsx_make([sheet_row(姓名="好人"), sheet_row(姓名="坏人", 主评专业代码="A99")])
    upload = SimpleUploadedFile("experts.xlsx", content, content_type="application/octet-stream")
    response = client_for("staff").post("/trading/experts/import/", {"file": upload})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="import-imported" data-count="1"' in page
    assert '<tr data-row="3" data-code="specialty_unknown">' in page
    assert "专业代码“A99”不在专家专业分类代码表中" in page
    assert Expert.objects.filter(name="好人").exists()
    assert not Expert.objects.filter(name="坏人").exists()


def test_the_import_page_refuses_a_file_that_is_not_a_workbook(world: World) -> None:
    upload = SimpleUploadedFile("experts.xlsx", b"garbage", content_type="application/octet-stream")
    response = client_for("staff").post("/trading/experts/import/", {"file": upload})
    assert response.status_code == 400
    assert 'data-code="import_file_invalid"' in response.content.decode()


def test_the_api_import_returns_the_report(world: World) -> None:
    content = xlsx_make([sheet_row(姓名="接口导入"), sheet_row(姓名="", 主评专业代码="A06")])
    upload = SimpleUploadedFile("experts.xlsx", content, content_type="application/octet-stream")
    response = client_for("staff").post("/trading/api/experts/experts/import", {"file": upload})
    assert response.status_code == 200, response.content
    body = json.loads(response.content)
    assert [r["row"] for r in body["imported"]] == [2]
    assert body["failed_rows"] == [3]
    assert body["errors"] == [
        {"row": 3, "column": "姓名", "field": "name", "code": "name_required", "message": "请填写姓名"}
    ]
