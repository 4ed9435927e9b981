"""Versions of the indicator system: install, import, freeze, who may, and the evaluator's pages."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

import openpyxl
import pytest
from django.test import Client

from zhengwu.contexts.appraisal import systems
from zhengwu.contexts.appraisal.indicators_default import system_default
from zhengwu.contexts.appraisal.models import IndicatorSystem, Round
from zhengwu.contexts.appraisal.system import system_digest, system_from_dict
from zhengwu.contexts.appraisal.systems import (
    system_def,
    system_default_install,
    system_freeze,
    system_get,
    system_import,
    system_list,
)
from zhengwu.contexts.appraisal.xlsform import system_from_xlsform, system_to_xlsform
from zhengwu.contexts.identity.roles import TOTP_REQUIRED_ROLES
from zhengwu.contexts.identity.selectors import user_get
from zhengwu.contexts.identity.services import user_create
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ
from zhengwu.kernel.errors import Conflict, IntegrityViolation, InvalidInput, NotFound, PermissionDenied
from zhengwu.platform.audit.models import AuditEntry
from zhengwu.platform.web.exports import XLSX_CONTENT_TYPE

pytestmark = pytest.mark.django_db

APPRAISER = Actor(user_id=7, username="appraiser", roles=frozenset({"appraiser"}), ip="10.1.2.3")
DEFAULT = system_from_dict(system_default())
DEFAULT_DIGEST = system_digest(DEFAULT)
DEFAULT_XLSX = system_to_xlsform(system=DEFAULT, version="1")
OTHER_ROLES = ["city_leader", "department_user", "centre_staff"]


def _edited(edit: Callable[[openpyxl.Workbook], None], data: bytes = DEFAULT_XLSX) -> bytes:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    edit(workbook)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _category_weight(value: float) -> Callable[[openpyxl.Workbook], None]:
    def edit(workbook: openpyxl.Workbook) -> None:
        workbook["categories"].cell(2, 3).value = value

    return edit


def _form_id(value: str) -> Callable[[openpyxl.Workbook], None]:
    def edit(workbook: openpyxl.Workbook) -> None:
        workbook["settings"].cell(2, 2).value = value

    return edit


def _system_audit() -> list[tuple[str, str]]:
    return list(
        AuditEntry.objects.filter(object_type="appraisal.indicator_system")
        .order_by("position")
        .values_list("action", "object_id")
    )


# --- services ------------------------------------------------------------------------------------


def test_installing_the_default_makes_version_1_once() -> None:
    first = system_default_install(by=APPRAISER)
    assert (first.code, first.version, first.status, first.created_by) == ("KM-GOV-SERVICE", 1, "draft", "appraiser")
    assert first.title == "昆明市政务服务第三方评价指标体系"
    assert first.digest == DEFAULT_DIGEST
    entry = AuditEntry.objects.get(object_type="appraisal.indicator_system")
    assert (entry.action, entry.object_id, entry.actor_username) == (
        "appraisal.system.install",
        "KM-GOV-SERVICE/v1",
        "appraiser",
    )
    assert entry.after == {
        "code": "KM-GOV-SERVICE",
        "version": 1,
        "digest": DEFAULT_DIGEST,
        "categories": 18,
        "indicators": 151,
        "items": 147,
    }
    again = system_default_install(by=APPRAISER)
    assert again.pk == first.pk
    assert IndicatorSystem.objects.count() == 1
    assert _system_audit() == [("appraisal.system.install", "KM-GOV-SERVICE/v1")]


def test_a_stored_version_reads_back_as_the_same_definition() -> None:
    stored = system_get(pk=system_default_install(by=APPRAISER).pk)
    systems._PARSED.clear()
    definition = system_def(system=stored)
    assert definition == DEFAULT
    assert system_def(system=stored) is definition  # parsed once


def test_a_stored_definition_that_no_longer_matches_its_digest_is_refused() -> None:
    stored = system_default_install(by=APPRAISER)
    tampered = dict(stored.definition)
    tampered["title"] = "改过的标题"
    IndicatorSystem.objects.filter(pk=stored.pk).update(definition=tampered)
    systems._PARSED.clear()
    with pytest.raises(IntegrityViolation) as refused:
        system_def(system=system_get(pk=stored.pk))
    assert refused.value.code == "system_digest_mismatch"


def test_imports_make_new_versions_and_an_unchanged_one_is_refused() -> None:
    installed = system_default_install(by=APPRAISER)
    with pytest.raises(Conflict) as unchanged:
        system_import(data=DEFAULT_XLSX, by=APPRAISER)
    assert unchanged.value.code == "system_unchanged"
    assert unchanged.value.detail == {"code": "KM-GOV-SERVICE", "version": 1, "digest": DEFAULT_DIGEST}
    assert IndicatorSystem.objects.count() == 1

    reweighted = _edited(_category_weight(0.2))
    second = system_import(data=reweighted, by=APPRAISER)
    assert (second.code, second.version, second.status) == ("KM-GOV-SERVICE", 2, "draft")
    assert system_def(system=second).categories[0].weight == 0.2
    assert second.digest == system_digest(system_def(system=second)) != installed.digest
    with pytest.raises(Conflict):
        system_import(data=reweighted, by=APPRAISER)
    # Going back to the first version's content is a change against the latest: version 3.
    third = system_import(data=DEFAULT_XLSX, by=APPRAISER)
    assert (third.version, third.digest) == (3, DEFAULT_DIGEST)
    # Another code starts its own numbering.
    other = system_import(data=_edited(_form_id("KM-PILOT")), by=APPRAISER)
    assert (other.code, other.version) == ("KM-PILOT", 1)
    assert [(s.code, s.version) for s in system_list()] == [
        ("KM-GOV-SERVICE", 3),
        ("KM-GOV-SERVICE", 2),
        ("KM-GOV-SERVICE", 1),
        ("KM-PILOT", 1),
    ]
    assert _system_audit() == [
        ("appraisal.system.install", "KM-GOV-SERVICE/v1"),
        ("appraisal.system.import", "KM-GOV-SERVICE/v2"),
        ("appraisal.system.import", "KM-GOV-SERVICE/v3"),
        ("appraisal.system.import", "KM-PILOT/v1"),
    ]
    entry = AuditEntry.objects.get(object_id="KM-GOV-SERVICE/v2")
    assert entry.after is not None
    assert (entry.after["version"], entry.after["digest"]) == (2, second.digest)


def _unfed(workbook: openpyxl.Workbook) -> None:
    survey = workbook["survey"]
    row = next(r for r in range(2, survey.max_row + 1) if survey.cell(r, 2).value == "q_c01_i01")
    survey.delete_rows(row)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"not a workbook", "xlsform_not_xlsx"),
        (_edited(lambda workbook: workbook.remove(workbook["indicators"])), "xlsform_sheet_missing"),
        (_edited(lambda workbook: setattr(workbook["survey"].cell(1, 1), "value", "kind")), "xlsform_column_missing"),
        (_edited(lambda workbook: setattr(workbook["survey"].cell(8, 1), "value", "decimal")), "xlsform_type_unknown"),
        (
            _edited(lambda workbook: setattr(workbook["survey"].cell(8, 1), "value", "select_one x")),
            "xlsform_list_unknown",
        ),
        (_edited(_category_weight(-1)), "xlsform_weight"),
        (_edited(_unfed), "system_indicator_unfed"),
        (
            _edited(lambda workbook: setattr(workbook["indicators"].cell(2, 3), "value", "C99")),
            "system_category_missing",
        ),
    ],
    ids=["not_xlsx", "sheet", "column", "type", "list", "weight", "unfed", "category"],
)
def test_a_faulty_workbook_saves_nothing(data: bytes, code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        system_import(data=data, by=APPRAISER)
    assert refused.value.code == code
    assert IndicatorSystem.objects.count() == 0
    assert _system_audit() == []


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_only_the_evaluator_installs_imports_or_freezes(role: str) -> None:
    actor = Actor(user_id=9, username=role, roles=frozenset({role}))
    with pytest.raises(PermissionDenied) as install:
        system_default_install(by=actor)
    assert install.value.code == "appraisal_appraiser_only"
    with pytest.raises(PermissionDenied):
        system_import(data=DEFAULT_XLSX, by=actor)
    assert IndicatorSystem.objects.count() == 0
    stored = system_default_install(by=APPRAISER)
    with pytest.raises(PermissionDenied):
        system_freeze(system=stored, by=actor)
    stored.refresh_from_db()
    assert stored.status == "draft"
    assert _system_audit() == [("appraisal.system.install", "KM-GOV-SERVICE/v1")]


def test_freezing_is_recorded_once_and_leaves_the_definition_as_it_was() -> None:
    stored = system_default_install(by=APPRAISER)
    frozen = system_freeze(system=stored, by=APPRAISER)
    assert (frozen.status, stored.status) == ("frozen", "frozen")
    system_freeze(system=stored, by=Actor.system("rounds"))
    stored.refresh_from_db()
    assert (stored.status, stored.digest) == ("frozen", DEFAULT_DIGEST)
    assert system_def(system=stored) == DEFAULT
    assert _system_audit() == [
        ("appraisal.system.install", "KM-GOV-SERVICE/v1"),
        ("appraisal.system.freeze", "KM-GOV-SERVICE/v1"),
    ]


def test_a_missing_version_is_not_found() -> None:
    with pytest.raises(NotFound) as missing:
        system_get(pk=999_999)
    assert missing.value.code == "system_not_found"


# --- pages ---------------------------------------------------------------------------------------


def _client(role: str) -> Client:
    user_create(username=role, password="Kunming-Appraisal-2026", display_name=role, roles=[role], by=Actor.system())
    user = user_get(username=role)
    client = Client()
    client.force_login(user)
    if user.role_codes & TOTP_REQUIRED_ROLES:
        session = client.session
        session["zw_totp_ok"] = True
        session.save()
    return client


def _round_using(system: IndicatorSystem, code: str) -> Round:
    return Round.objects.create(
        code=code,
        title=f"{code} 政务服务第三方评价",
        period_start=dt.date(2026, 7, 1),
        period_end=dt.date(2026, 9, 30),
        system=system,
        created_at=dt.datetime(2026, 7, 1, 9, 0, tzinfo=CHINA_TZ),
        created_by="appraiser",
    )


def test_the_evaluator_installs_the_default_from_the_empty_list_and_reads_its_tree() -> None:
    client = _client("appraiser")
    empty = client.get("/appraisal/systems/")
    assert empty.status_code == 200
    assert 'data-testid="system-install-default"' in empty.content.decode()
    installed = client.post("/appraisal/systems/default/")
    system = IndicatorSystem.objects.get()
    assert (installed.status_code, installed["Location"]) == (302, f"/appraisal/systems/{system.pk}/")
    detail = client.get(installed["Location"]).content.decode()
    assert 'data-testid="count-categories" data-count="18"' in detail
    assert 'data-testid="count-indicators" data-count="151"' in detail
    assert 'data-testid="count-items" data-count="147"' in detail
    assert detail.count('data-testid="category"') == 18
    assert detail.count('data-testid="indicator"') == 151
    assert detail.count('data-source="objective"') == 13
    assert "平均跑动次数（次/件）" in detail
    assert '<span data-testid="goalposts">3 → 0</span>' in detail
    assert "${q_channel} = &#x27;online&#x27; or ${q_channel} = &#x27;both&#x27;" in detail
    assert system.digest in detail
    listing = client.get("/appraisal/systems/").content.decode()
    assert 'data-testid="system-install-default"' not in listing
    assert 'data-code="KM-GOV-SERVICE" data-version="1" data-status="draft"' in listing
    assert '<td class="num" data-testid="system-indicators">151</td>' in listing
    assert system.digest[:12] in listing


def test_the_list_shows_the_rounds_using_a_version() -> None:
    system = system_default_install(by=APPRAISER)
    system_freeze(system=system, by=APPRAISER)
    _round_using(system, "2026Q3")
    client = _client("appraiser")
    listing = client.get("/appraisal/systems/").content.decode()
    assert 'data-status="frozen"' in listing
    assert '<td class="num" data-testid="system-rounds">1</td>' in listing
    detail = client.get(f"/appraisal/systems/{system.pk}/").content.decode()
    assert '<code data-testid="system-round">2026Q3</code>' in detail


def test_the_evaluator_downloads_a_version_as_an_xlsform_workbook() -> None:
    system = system_default_install(by=APPRAISER)
    response = _client("appraiser").get(f"/appraisal/systems/{system.pk}/xlsform.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert "KM-GOV-SERVICE-v1.xlsx" in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert workbook.sheetnames == ["survey", "choices", "settings", "categories", "indicators", "scoring"]
    settings = list(workbook["settings"].iter_rows(values_only=True))
    workbook.close()
    assert settings[1][:3] == ("昆明市政务服务第三方评价指标体系", "KM-GOV-SERVICE", "1")
    assert system_digest(system_from_dict(system_from_xlsform(data=response.content))) == DEFAULT_DIGEST
    assert _client("centre_staff").get(f"/appraisal/systems/{system.pk}/xlsform.xlsx").status_code == 403
    # A refused role learns nothing, not even whether a version exists.
    assert _client("city_leader").get("/appraisal/systems/999999/").status_code == 403


def test_an_upload_makes_a_new_version_and_a_bad_one_is_shown_with_its_reason() -> None:
    system_default_install(by=APPRAISER)
    client = _client("appraiser")
    upload = io.BytesIO(_edited(_category_weight(0.3)))
    upload.name = "km-v2.xlsx"
    good = client.post("/appraisal/systems/import/", {"file": upload})
    second = IndicatorSystem.objects.get(version=2)
    assert (good.status_code, good["Location"]) == (302, f"/appraisal/systems/{second.pk}/")

    bad_file = io.BytesIO(_edited(lambda workbook: setattr(workbook["survey"].cell(8, 1), "value", "select_one foo")))
    bad_file.name = "bad.xlsx"
    bad = client.post("/appraisal/systems/import/", {"file": bad_file})
    assert bad.status_code == 400
    page = bad.content.decode()
    assert 'data-code="xlsform_list_unknown"' in page
    assert "survey 表第 8 行：题型“select_one foo”的选项表 foo 不存在" in page

    same = io.BytesIO(_edited(_category_weight(0.3)))
    same.name = "again.xlsx"
    unchanged = client.post("/appraisal/systems/import/", {"file": same})
    assert unchanged.status_code == 400
    assert 'data-code="system_unchanged"' in unchanged.content.decode()
    nothing = client.post("/appraisal/systems/import/", {})
    assert nothing.status_code == 400
    assert 'data-code="xlsform_file_required"' in nothing.content.decode()
    assert IndicatorSystem.objects.count() == 2


def test_a_missing_version_page_is_404() -> None:
    assert _client("appraiser").get("/appraisal/systems/999999/").status_code == 404


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_other_roles_cannot_reach_the_pages_and_change_nothing(role: str) -> None:
    system = system_default_install(by=APPRAISER)
    client = _client(role)
    assert client.get("/appraisal/systems/").status_code == 403
    assert client.get(f"/appraisal/systems/{system.pk}/").status_code == 403
    assert client.get(f"/appraisal/systems/{system.pk}/xlsform.xlsx").status_code == 403
    upload = io.BytesIO(_edited(_category_weight(0.3)))
    upload.name = "x.xlsx"
    assert client.post("/appraisal/systems/import/", {"file": upload}).status_code == 403
    assert client.post("/appraisal/systems/default/").status_code == 403
    assert IndicatorSystem.objects.count() == 1
    assert _system_audit() == [("appraisal.system.install", "KM-GOV-SERVICE/v1")]


def test_anonymous_visitors_are_sent_to_sign_in() -> None:
    response = Client().get("/appraisal/systems/")
    assert response.status_code == 302
    assert response["Location"].startswith("/appraisal/accounts/login/")


def test_a_version_failing_its_digest_check_is_shown_as_an_error_not_a_crash() -> None:
    stored = system_default_install(by=APPRAISER)
    IndicatorSystem.objects.filter(pk=stored.pk).update(definition={**stored.definition, "title": "改过的标题"})
    systems._PARSED.clear()
    response = _client("appraiser").get(f"/appraisal/systems/{stored.pk}/")
    assert response.status_code == 400
    assert 'data-code="system_digest_mismatch"' in response.content.decode()
    assert "指标体系 KM-GOV-SERVICE 第1版的内容与其摘要不符" in response.content.decode()
