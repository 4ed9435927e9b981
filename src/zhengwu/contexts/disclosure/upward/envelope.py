"""The push envelope of the national data standard: ``DES`` → ``TITLE`` + ``CONTEXT``, in XML. Pure, stdlib only.

One record per envelope (ebidding-rules §8.5)::

    <DES>
      <TITLE><CA_KEY/><DATA_CN/><DATA_EN/><DATA_NO/><DATA_KEY/><DATA_TYPE/><ROUTE_WAY/></TITLE>
      <CONTEXT><TENDER_PROJECT_CODE>…</TENDER_PROJECT_CODE> … <DATA_TIMESTAMP>…</DATA_TIMESTAMP></CONTEXT>
    </DES>

Built with ``xml.etree``. Parsed with expat directly, defensively, because the body comes from
another installation: a document type declaration is refused outright (expat fetches no external
entity, but it does expand internal ones — the "billion laughs"), and so is any entity
declaration, nesting below a field, a repeated field, or more than a bounded number of fields.
Elements of ``DES`` other than ``TITLE`` and ``CONTEXT`` (attachments) are skipped, not read.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from xml.parsers import expat

TITLE_FIELDS = ("CA_KEY", "DATA_CN", "DATA_EN", "DATA_NO", "DATA_KEY", "DATA_TYPE", "ROUTE_WAY")
MAX_BODY_BYTES = 1024 * 1024
MAX_FIELDS = 400
_MAX_DEPTH = 8
# Characters XML 1.0 cannot carry at all (C0 controls but tab, newline, carriage return).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class EnvelopeRefused(ValueError):
    """The body is not an envelope this platform will read; the message says why (in Chinese)."""


@dataclass(frozen=True)
class UpwardEnvelope:
    """A parsed envelope: the TITLE's fields and the CONTEXT's (None when the envelope has no CONTEXT)."""

    title: dict[str, str]
    context: dict[str, str] | None


def xml_text(value: str) -> str:
    """``value`` without the characters XML cannot carry."""
    return _NOT_XML.sub("", value)


def envelope_xml(*, title: dict[str, str], context: list[tuple[str, str]] | None) -> bytes:
    """The UTF-8 XML of one envelope: ``title`` in the standard's order, then ``context`` as given."""
    root = ET.Element("DES")
    head = ET.SubElement(root, "TITLE")
    for name in TITLE_FIELDS:
        ET.SubElement(head, name).text = xml_text(title.get(name, ""))
    if context is not None:
        body = ET.SubElement(root, "CONTEXT")
        for name, value in context:
            ET.SubElement(body, name).text = xml_text(value)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


class _Reader:
    """Collects TITLE and CONTEXT fields from expat's events; raises EnvelopeRefused on anything else."""

    def __init__(self) -> None:
        self.path: list[str] = []
        self.sections: dict[str, dict[str, str]] = {}
        self.text: list[str] = []
        self.count = 0

    def start(self, name: str, attributes: dict[str, str]) -> None:
        depth = len(self.path)
        if depth >= _MAX_DEPTH:
            raise EnvelopeRefused("XML嵌套过深")
        if depth == 0 and name != "DES":
            raise EnvelopeRefused(f"根元素应为DES，实为{name[:40]}")
        if depth == 1 and name in ("TITLE", "CONTEXT"):
            if name in self.sections:
                raise EnvelopeRefused(f"{name}重复")
            self.sections[name] = {}
        if depth == 3 and self.path[1] in self.sections:
            raise EnvelopeRefused(f"{self.path[1]}中的字段{self.path[2][:40]}不得包含子元素")
        if depth == 2 and self.path[1] in self.sections:
            self.count += 1
            if self.count > MAX_FIELDS:
                raise EnvelopeRefused(f"字段超过{MAX_FIELDS}个")
            if name in self.sections[self.path[1]]:
                raise EnvelopeRefused(f"{self.path[1]}中的字段{name[:40]}重复")
            self.text = []
        self.path.append(name)

    def end(self, name: str) -> None:
        if len(self.path) == 3 and self.path[1] in self.sections:
            self.sections[self.path[1]][name] = "".join(self.text).strip()
        self.path.pop()

    def data(self, text: str) -> None:
        if len(self.path) == 3:
            self.text.append(text)


def _refuse_declaration(*args: object) -> None:
    raise EnvelopeRefused("XML不得包含DOCTYPE或实体声明")


def envelope_parse(body: bytes) -> UpwardEnvelope:
    """Read one envelope; raise ``EnvelopeRefused`` for a body that is not a safe, well-formed one."""
    if len(body) > MAX_BODY_BYTES:
        raise EnvelopeRefused(f"数据超过{MAX_BODY_BYTES}字节")
    reader = _Reader()
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_declaration
    parser.EntityDeclHandler = _refuse_declaration
    parser.UnparsedEntityDeclHandler = _refuse_declaration
    parser.ExternalEntityRefHandler = _refuse_declaration  # type: ignore[assignment]
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.data
    try:
        parser.Parse(body, True)
    except expat.ExpatError as exc:
        raise EnvelopeRefused(f"XML格式错误：{expat.ErrorString(exc.code)}，第{exc.lineno}行") from None
    if "TITLE" not in reader.sections:
        raise EnvelopeRefused("缺少TITLE")
    return UpwardEnvelope(title=reader.sections["TITLE"], context=reader.sections.get("CONTEXT"))
