"""evaluation.notice_pdf: the award notice is a real one-page PDF whose Chinese is set in CJK fonts."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import socket
from pathlib import Path
from typing import Any

import pytest
import weasyprint
from pypdf import PdfReader

from zhengwu.contexts.evaluation.notice_pdf import AwardNotice, award_notice_pdf
from zhengwu.kernel.errors import InvalidInput
from zhengwu.platform.web import pdf as pdf_module
from zhengwu.platform.web.pdf import _LocalFetcher, pdf_render

NOTICE = AwardNotice(
    number="ZBTZ-2025-0042",
    project_code="JS2025-0317",
    project_name="市第一人民医院门诊楼改扩建工程",
    section_code="JS2025-0317-01",
    section_name="施工一标段",
    tenderer="市第一人民医院",
    agency="华信工程咨询有限公司",
    winner="中建华东建设集团有限公司",
    winner_uscc="91310000MA1FL8XQ30",
    price_fen=1_234_567_890,
    duration="365日历天",
    quality="合格",
    # 23:30 in Beijing is the next day in UTC: the notice must carry the Beijing date.
    decided_at=dt.datetime(2025, 3, 7, 15, 30, tzinfo=dt.UTC),
    contract_due=dt.date(2025, 4, 7),
    issued_by="市公共资源交易中心",
)


def _read(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    # Text extraction may put line breaks (and spaces around Latin runs) anywhere a line wraps.
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))
    return reader, text


def _font_names(reader: PdfReader) -> set[str]:
    names: set[str] = set()
    for page in reader.pages:
        resources: Any = page["/Resources"]  # pypdf types it as a bare PdfObject
        fonts = resources["/Font"]
        for ref in fonts.values():
            font = ref.get_object()
            names.add(str(font["/BaseFont"]))
            for descendant in font.get("/DescendantFonts", []):
                names.add(str(descendant.get_object()["/BaseFont"]))
    return names


def test_the_notice_is_a_one_page_pdf_with_the_winner_and_the_price_in_words() -> None:
    pdf = award_notice_pdf(notice=NOTICE)
    assert pdf.startswith(b"%PDF-")
    reader, text = _read(pdf)
    assert len(reader.pages) == 1
    assert "中标通知书" in text
    assert "中建华东建设集团有限公司：" in text
    assert "91310000MA1FL8XQ30" in text
    assert "人民币12,345,678.90元" in text
    assert "壹仟贰佰叁拾肆万伍仟陆佰柒拾捌元玖角整" in text
    assert "签订书面合同" in text
    assert "2025年4月7日前" in text
    assert "华信工程咨询有限公司（盖单位章）" in text
    assert "2025年3月7日23:30" in text
    assert reader.metadata is not None
    assert reader.metadata.title == "中标通知书（ZBTZ-2025-0042）"
    # A4 portrait, in points.
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_the_chinese_is_set_in_embedded_cjk_fonts_not_tofu() -> None:
    reader, _ = _read(award_notice_pdf(notice=NOTICE))
    names = {re.sub(r"[^a-z]", "", name.lower()) for name in _font_names(reader)}
    assert names, "the PDF names no font at all"
    # Every font the notice uses is Noto CJK (the subset prefix such as ABCDEF+ is folded in).
    assert all("notoserifcjk" in name or "notosanscjk" in name for name in names), names


def test_optional_lines_are_left_out_when_empty_and_a_long_notice_still_fits_one_page() -> None:
    notice = dataclasses.replace(
        NOTICE,
        agency="",
        duration="",
        quality="",
        project_name="市中心城区老旧小区综合改造及配套市政道路、雨污分流管网、智慧停车设施建设工程（二期）",
        section_name="第三标段（道路、管网、停车设施施工及相关配套服务）",
        winner="中国建筑第八工程局有限公司与某市政工程设计研究院有限公司联合体",
        price_fen=999_999_999_999_99,
    )
    reader, text = _read(award_notice_pdf(notice=notice))
    assert len(reader.pages) == 1
    assert "招标代理机构" not in text
    assert "工期" not in text
    assert "质量要求" not in text
    assert "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分" in text


def test_a_notice_without_a_time_zone_or_with_a_negative_price_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        dataclasses.replace(NOTICE, decided_at=dt.datetime(2025, 3, 7, 9, 0))
    assert caught.value.code == "award_notice_naive_time"
    with pytest.raises(InvalidInput) as caught:
        dataclasses.replace(NOTICE, price_fen=-1)
    assert caught.value.code == "award_notice_price"


def test_the_renderer_reads_no_network_and_no_file_outside_the_static_folders(
    monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path
) -> None:
    # WeasyPrint swallows a fetcher's exceptions, so connection attempts are recorded, not raised.
    attempts: list[object] = []

    def no_network(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("no network in tests")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not for a document")
    (tmp_path / "probe.html").write_text(
        f"""<html lang="zh-CN"><body><p>图片测试</p>
        <img src="http://example.invalid/logo.png"><img src="https://example.invalid/logo.png">
        <img src="{secret.as_uri()}"><img src="file://other-host/etc/hostname">
        <link rel="stylesheet" href="/static/web/site.css"></body></html>""",
        encoding="utf-8",
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    fetched: list[str] = []
    real_fetch = weasyprint.urls.URLFetcher.fetch

    def recording_fetch(self: object, url: str, headers: object = None) -> object:
        fetched.append(url)
        return real_fetch(self, url, headers)

    monkeypatch.setattr(weasyprint.urls.URLFetcher, "fetch", recording_fetch)

    pdf = pdf_render(template="probe.html", context={"title": "探针"}, base_url="http://example.invalid/")

    assert attempts == []
    assert fetched == [], "only static files and data: URLs may be read"
    _, text = _read(pdf)
    assert "图片测试" in text


def test_a_static_file_and_a_data_url_may_be_read_and_no_other_file() -> None:
    fetcher = _LocalFetcher(allowed_protocols={"data", "file"})
    outside = Path(weasyprint.__file__)  # a real file, but not under any static folder
    with pytest.raises(ValueError, match="不读取"):
        fetcher.fetch(outside.as_uri())
    with pytest.raises(ValueError, match="不读取"):  # no climbing out of a static folder either
        fetcher.fetch((Path(pdf_module.__file__).parent / "static" / ".." / "pdf.py").as_uri())
    static_css = Path(pdf_module.__file__).parent / "static" / "web" / "site.css"
    assert fetcher.fetch(static_css.as_uri()).read()
    assert fetcher.fetch("data:text/plain;base64,5Lit").read() == "中".encode()
