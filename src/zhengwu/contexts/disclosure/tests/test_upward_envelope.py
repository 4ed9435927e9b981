"""The push envelope: built with the stdlib, read back defensively (no DOCTYPE, no entities, no nesting)."""

from __future__ import annotations

import pytest

from zhengwu.contexts.disclosure.upward.envelope import (
    MAX_BODY_BYTES,
    TITLE_FIELDS,
    EnvelopeRefused,
    envelope_parse,
    envelope_xml,
)

TITLE = {
    "CA_KEY": "0123456789abcdef",
    "DATA_CN": "招标项目",
    "DATA_EN": "TENDER_PROJECT",
    "DATA_NO": "501",
    "DATA_KEY": "0001501ABCDEFGHIJKLMNO",
    "DATA_TYPE": "1",
    "ROUTE_WAY": "91530100MA6KCITY01",
}


def test_an_envelope_reads_back_as_it_was_built_in_the_standards_order() -> None:
    context = [
        ("TENDER_PROJECT_NAME", "呈贡区 <道路> & “桥梁”工程"),
        ("TENDER_CONTENT", "第一行\n第二行"),
        ("DATA_TIMESTAMP", "20260803090000"),
    ]

    body = envelope_xml(title=TITLE, context=context)

    assert body.startswith(b"<?xml version='1.0' encoding='utf-8'?>\n<DES><TITLE><CA_KEY>")
    assert body.index(b"<TITLE>") < body.index(b"<CONTEXT>")
    parsed = envelope_parse(body)
    assert parsed.title == TITLE
    assert list(parsed.title) == list(TITLE_FIELDS)
    assert parsed.context == dict(context)


def test_characters_xml_cannot_carry_are_left_out_and_a_delete_has_no_context() -> None:
    body = envelope_xml(title={**TITLE, "DATA_TYPE": "3"}, context=None)
    assert envelope_parse(body).context is None
    with_control = envelope_xml(title=TITLE, context=[("TENDER_CONTENT", "a\x00b\x1fc\td")])
    assert envelope_parse(with_control).context == {"TENDER_CONTENT": "abc\td"}


@pytest.mark.parametrize(
    "body",
    [
        # The "billion laughs": internal entities expanding into each other.
        b'<?xml version="1.0"?><!DOCTYPE DES [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;">]>'
        b"<DES><TITLE><CA_KEY>&b;</CA_KEY></TITLE></DES>",
        # An external entity naming a local file.
        b'<?xml version="1.0"?><!DOCTYPE DES [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<DES><TITLE><CA_KEY>&x;</CA_KEY></TITLE></DES>",
        # A bare document type declaration is refused as well.
        b'<!DOCTYPE DES SYSTEM "http://127.0.0.1:9/des.dtd"><DES><TITLE><CA_KEY>k</CA_KEY></TITLE></DES>',
    ],
)
def test_a_document_type_declaration_or_an_entity_is_refused(body: bytes) -> None:
    with pytest.raises(EnvelopeRefused) as refused:
        envelope_parse(body)
    assert str(refused.value) == "XML不得包含DOCTYPE或实体声明"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<ROOT><TITLE/></ROOT>", "根元素应为DES，实为ROOT"),
        (b"<DES><CONTEXT><A>1</A></CONTEXT></DES>", "缺少TITLE"),
        (b"<DES><TITLE><CA_KEY><X>1</X></CA_KEY></TITLE></DES>", "TITLE中的字段CA_KEY不得包含子元素"),
        (b"<DES><TITLE><CA_KEY>1</CA_KEY><CA_KEY>2</CA_KEY></TITLE></DES>", "TITLE中的字段CA_KEY重复"),
        (b"<DES><TITLE/><TITLE/></DES>", "TITLE重复"),
        (b"<DES><TITLE><CA_KEY>&undefined;</CA_KEY></TITLE></DES>", "XML格式错误：undefined entity，第1行"),
        (b"<DES><TITLE>", "XML格式错误：no element found，第1行"),
    ],
)
def test_a_body_that_is_not_a_plain_envelope_is_refused_with_the_reason(body: bytes, message: str) -> None:
    with pytest.raises(EnvelopeRefused) as refused:
        envelope_parse(body)
    assert str(refused.value) == message


def test_attachments_are_skipped_and_an_oversized_body_is_refused_unread() -> None:
    body = envelope_xml(title=TITLE, context=[("A", "1")]).replace(
        b"</DES>", b"<ATTACHMENTS><ATTACHMENT><NAME>x.pdf</NAME></ATTACHMENT></ATTACHMENTS></DES>"
    )
    assert envelope_parse(body).context == {"A": "1"}
    with pytest.raises(EnvelopeRefused, match="数据超过"):
        envelope_parse(b" " * (MAX_BODY_BYTES + 1))
