"""The receiving side of the upward push: this installation as the provincial platform.

Records arrive at ``POST /api/disclosure/upward/upload`` as the city's public platform sends
them: its XML envelope signed with its key. Each refusal says why, specifically, and stores nothing.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.test import Client

from zhengwu.contexts.disclosure.events import UpwardRecordQueued
from zhengwu.contexts.disclosure.models import UpwardReceipt, UpwardReceived
from zhengwu.contexts.disclosure.tests import upward_samples as s
from zhengwu.contexts.disclosure.upward.datasets import Site, data_key_make, notice_records
from zhengwu.contexts.disclosure.upward.envelope import envelope_parse, envelope_xml
from zhengwu.contexts.disclosure.upward.services import upward_config, upward_envelope_for
from zhengwu.kernel.crypto import SigningKey
from zhengwu.platform.exchange.envelope import HEADER_SIGNATURE, HEADER_SOURCE
from zhengwu.platform.signing import signing_key_get

pytestmark = pytest.mark.django_db

UPLOAD = "/api/disclosure/upward/upload"
CITY = "12530100MB0C17Y01X"
RECORDS = {r.data_no: r for r in notice_records(s.tender_notice(), site=Site(trade_system_no="E53010000001"))}


@pytest.fixture(autouse=True)
def _city_and_province(settings: Any) -> None:
    """This installation is the province; the city that pushes to it signs with this deployable's key."""
    settings.ZHENGWU_UPWARD_SOURCES = f"{CITY}={signing_key_get().public.to_b64()}"
    settings.ZHENGWU_UPWARD_PUB_SERVICE_PLAT_CODE = CITY
    settings.ZHENGWU_UPWARD_PLATFORM_CODE = "91530100MA6K0TRADE"
    settings.ZHENGWU_UPWARD_TRADE_PLAT = "E5301000001"
    settings.ZHENGWU_UPWARD_PUB_SERVICE_PLAT = "P5301000001"


def envelope(
    data_no: int,
    *,
    data_type: int = 1,
    timestamp: str = "20260803090000",
    changes: dict[str, str | None] | None = None,
) -> bytes:
    """The city's envelope of its record of ``data_no`` (with ``changes``; None drops a field)."""
    record = RECORDS[data_no]
    event = UpwardRecordQueued(
        stream=record.stream,
        data_no=data_no,
        data_key=data_key_make(system_no="0001", data_no=data_no, identity=record.identity),
        data_type=data_type,
        version=1,
        data_timestamp=timestamp,
        fields=[[k, v] for k, v in record.fields.items()],
    )
    built = upward_envelope_for(event, config=upward_config())
    if not changes:
        return built
    parsed = envelope_parse(built)
    context = {**(parsed.context or {}), **changes}
    return envelope_xml(title=parsed.title, context=[(k, v) for k, v in context.items() if v is not None])


def push(
    client: Client, body: bytes, *, key: SigningKey | None = None, source: str = CITY
) -> tuple[int, dict[str, Any]]:
    signature = base64.b64encode((key or signing_key_get()).sign(body)).decode("ascii")
    response = client.post(
        UPLOAD,
        data=body,
        content_type="application/xml; charset=utf-8",
        headers={HEADER_SOURCE: source, HEADER_SIGNATURE: signature},
    )
    return response.status_code, response.json()


def receipts() -> list[tuple[int, str, int, str]]:
    return list(UpwardReceipt.objects.order_by("id").values_list("data_no", "status", "times", "message"))


def test_records_are_validated_and_stored_by_sender_and_data_key(client: Client) -> None:
    assert push(client, envelope(501)) == (200, {"STATUS": "1"})
    assert push(client, envelope(502)) == (200, {"STATUS": "1"})
    assert push(client, envelope(503)) == (200, {"STATUS": "1"})

    stored = {r.data_no: r for r in UpwardReceived.objects.all()}
    assert sorted(stored) == [501, 502, 503]
    project = stored[501]
    assert (project.source, project.tender_project_code, project.data_type, project.data_timestamp) == (
        CITY,
        s.TENDER_PROJECT,
        1,
        "20260803090000",
    )
    assert project.fields == envelope_parse(envelope(501)).context
    assert project.fields["TRADE_PLAT"] == "E5301000001"
    assert project.data_key == data_key_make(system_no="0001", data_no=501, identity=s.TENDER_PROJECT)
    assert receipts() == [(501, "accepted", 1, ""), (502, "accepted", 1, ""), (503, "accepted", 1, "")]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"TENDERER_NAME": None}, "TENDERER_NAME（招标人名称）不能为空"),
        ({"TENDER_PROJECT_CODE": s.TENDER_PROJECT + "9"}, "TENDER_PROJECT_CODE（招标项目编号）长度应为20位，实为21位"),
        ({"TENDER_PROJECT_NAME": "路" * 601}, "TENDER_PROJECT_NAME（招标项目名称）长度不能超过600，实为601"),
        (
            {"CREATE_TIME": "20260230100000"},
            "CREATE_TIME（招标项目建立时间）应为yyyyMMddHHmmss格式的日期：20260230100000",
        ),
        ({"TRADE_SYSTEM_FEE": "免费"}, "TRADE_SYSTEM_FEE（交易系统平台使用费）应为数值：免费"),
        (
            {"REGION_CODE": "5301"},
            "REGION_CODE（招标项目所在行政区域代码）长度应为6位，实为4位；REGION_CODE（招标项目所在行政区域代码）应为6位行政区划代码：5301",
        ),
        ({"TRADE_PLAT": None}, "TRADE_PLAT（电子招标投标交易平台标识码）不能为空"),
        ({"PUB_SERVICE_PLAT_CODE": "12530100MB0C17Y02X"}, "PUB_SERVICE_PLAT_CODE与发送方不符"),
        ({"DATA_TIMESTAMP": "2026-08-03"}, "DATA_TIMESTAMP（数据时间戳）应为yyyyMMddHHmmss格式的日期：2026-08-03"),
        ({"NO_SUCH_FIELD": "x"}, "数据集501没有字段NO_SUCH_FIELD"),
    ],
)
def test_a_record_that_breaks_a_field_rule_is_refused_with_the_reason_and_nothing_is_stored(
    client: Client, changes: dict[str, str | None], message: str
) -> None:
    status, answer = push(client, envelope(501, changes=changes))

    assert (status, answer) == (200, {"STATUS": "-1", "MSG": message})
    assert UpwardReceived.objects.count() == 0
    # The refusal is kept as the submission's receipt, so that both sides count it.
    assert receipts() == [(501, "rejected", 1, message)]


def test_a_record_of_a_tender_project_not_reported_yet_waits_for_its_parent(client: Client) -> None:
    message = f"招标项目数据未上报，请先上报（TENDER_PROJECT_CODE={s.TENDER_PROJECT}）"
    assert push(client, envelope(502)) == (200, {"STATUS": "-1", "MSG": message})
    assert UpwardReceived.objects.count() == 0

    assert push(client, envelope(501)) == (200, {"STATUS": "1"})
    # The same submission again, now that its parent is here: judged again, counted once.
    assert push(client, envelope(502)) == (200, {"STATUS": "1"})

    assert sorted(UpwardReceived.objects.values_list("data_no", flat=True)) == [501, 502]
    assert receipts() == [(502, "accepted", 2, ""), (501, "accepted", 1, "")]


def test_a_record_sent_again_is_acknowledged_again_and_stored_and_counted_once(client: Client) -> None:
    body = envelope(501)
    assert push(client, body) == (200, {"STATUS": "1"})
    stored = UpwardReceived.objects.get()
    assert push(client, body) == (200, {"STATUS": "1"})

    again = UpwardReceived.objects.get()
    assert (again.pk, again.updated_at, again.fields) == (stored.pk, stored.updated_at, stored.fields)
    assert receipts() == [(501, "accepted", 2, "")]


def test_versions_apply_in_data_timestamp_order_and_codes_cannot_change(client: Client) -> None:
    assert push(client, envelope(501)) == (200, {"STATUS": "1"})
    renamed = {"TENDER_PROJECT_NAME": "呈贡区吴家营片区市政道路工程（二期）"}
    assert push(client, envelope(501, data_type=2, timestamp="20260812090000", changes=renamed)) == (
        200,
        {"STATUS": "1"},
    )
    stored = UpwardReceived.objects.get()
    assert (stored.fields["TENDER_PROJECT_NAME"], stored.data_type, stored.data_timestamp) == (
        "呈贡区吴家营片区市政道路工程（二期）",
        2,
        "20260812090000",
    )

    older = push(client, envelope(501, data_type=2, timestamp="20260805090000"))
    assert older == (200, {"STATUS": "-1", "MSG": "DATA_TIMESTAMP 20260805090000早于已接收的版本20260812090000"})
    same_time_other_content = push(client, envelope(501, data_type=2, timestamp="20260812090000"))
    assert same_time_other_content == (200, {"STATUS": "-1", "MSG": "同一DATA_TIMESTAMP的数据内容与已接收的不一致"})
    assert UpwardReceived.objects.get().fields["TENDER_PROJECT_NAME"] == "呈贡区吴家营片区市政道路工程（二期）"


def test_the_tender_project_code_cannot_change_once_reported(client: Client) -> None:
    assert push(client, envelope(501)) == (200, {"STATUS": "1"})
    other_code = "E5301112026000122002"
    status, answer = push(
        client, envelope(501, data_type=2, timestamp="20260813090000", changes={"TENDER_PROJECT_CODE": other_code})
    )

    assert (status, answer) == (
        200,
        {"STATUS": "-1", "MSG": f"TENDER_PROJECT_CODE（招标项目编号）上报后不可修改：{s.TENDER_PROJECT}"},
    )
    assert UpwardReceived.objects.get().tender_project_code == s.TENDER_PROJECT


def test_a_delete_marks_the_record_deleted_and_an_unknown_one_cannot_be_deleted(client: Client) -> None:
    assert push(client, envelope(503, data_type=3)) == (200, {"STATUS": "-1", "MSG": "数据不存在，无法删除"})
    assert push(client, envelope(501)) == (200, {"STATUS": "1"})
    assert push(client, envelope(501, data_type=3)) == (200, {"STATUS": "1"})

    assert UpwardReceived.objects.get().deleted is True
    # Its children can no longer refer to it.
    assert push(client, envelope(502))[1]["MSG"].startswith("招标项目数据未上报")


def test_a_doctype_or_an_entity_is_refused_and_nothing_is_stored(client: Client) -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE DES [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b"<DES><TITLE><CA_KEY>&b;</CA_KEY></TITLE></DES>"
    )
    status, answer = push(client, laughs)

    assert (status, answer) == (200, {"STATUS": "-1", "MSG": "XML不得包含DOCTYPE或实体声明"})
    assert (UpwardReceived.objects.count(), UpwardReceipt.objects.count()) == (0, 0)


def test_a_stranger_or_a_forged_body_is_refused_and_nothing_is_stored_or_counted(client: Client) -> None:
    body = envelope(501)
    stranger = push(client, body, source="91530000MA6STRANGE")
    forged = push(client, body, key=SigningKey.generate())
    tampered = client.post(
        UPLOAD,
        data=body.replace("呈贡区".encode(), "五华区".encode()),
        content_type="application/xml",
        headers={HEADER_SOURCE: CITY, HEADER_SIGNATURE: base64.b64encode(signing_key_get().sign(body)).decode()},
    )
    unsigned = client.post(UPLOAD, data=body, content_type="application/xml", headers={HEADER_SOURCE: CITY})

    assert stranger == (401, {"STATUS": "-1", "MSG": "发送方不是已登记的下级平台"})
    assert forged == (403, {"STATUS": "-1", "MSG": "签名验证失败，数据可能被伪造或篡改"})
    assert (tampered.status_code, tampered.json()["MSG"]) == (403, "签名验证失败，数据可能被伪造或篡改")
    assert (unsigned.status_code, unsigned.json()) == (
        403,
        {"STATUS": "-1", "MSG": "签名验证失败，数据可能被伪造或篡改"},
    )
    assert (UpwardReceived.objects.count(), UpwardReceipt.objects.count()) == (0, 0)


def test_a_title_that_does_not_match_the_sender_or_the_dataset_is_refused(client: Client) -> None:
    good = envelope_parse(envelope(501))
    assert good.context is not None

    def with_title(**title: str) -> bytes:
        return envelope_xml(title={**good.title, **title}, context=list(good.context.items()))

    cases = [
        (with_title(CA_KEY="ffffffffffffffff"), "CA_KEY与发送方登记的证书不符"),
        (with_title(DATA_NO="999"), "不支持的数据集：DATA_NO=999"),
        (with_title(DATA_EN="SECTION"), "DATA_EN应为TENDER_PROJECT"),
        (
            with_title(DATA_KEY="0001502" + "A" * 15),
            "DATA_KEY应为22位（4位系统编号+数据集编号+序号）：0001502AAAAAAAAAAAAAAA",
        ),
        (with_title(DATA_TYPE="4"), "DATA_TYPE应为1（新增）、2（修改）或3（删除）"),
        (with_title(ROUTE_WAY=""), "新增数据的ROUTE_WAY不能为空"),
    ]
    for body, message in cases:
        assert push(client, body) == (200, {"STATUS": "-1", "MSG": message})
    assert UpwardReceived.objects.count() == 0


def test_an_oversized_upload_is_refused_unread(client: Client) -> None:
    response = client.post(UPLOAD, data=b" " * (1024 * 1024 + 1), content_type="application/xml")

    assert (response.status_code, response.json()) == (413, {"STATUS": "-1", "MSG": "数据超过1048576字节"})
