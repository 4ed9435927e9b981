"""Chinese full-text search over notices: the terms a notice is indexed by, and a query's terms.

Chinese is written without spaces, and PostgreSQL ships no Chinese word segmenter, so text is
indexed by overlapping character pairs (bigrams), the way Lucene's CJK analyzer does it: 学校建设
gives 学校 校建 建设. A query is cut the same way, and a notice is a candidate when it holds every
pair of every word. Latin letters and digits (project codes, years) are indexed as whole words
and match from their start, so a code prefix finds its project.

The pairs only find candidates fast (a GIN index); the selector then keeps the candidates that
really contain each query word, so a notice holding 学校 and 校建 far apart is not a match for
学校建设. Pure functions, no ORM: the selectors and the read-model handler use them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# CJK unified ideographs (basic, extension A and the supplementary planes) and compatibility ones.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_RUN = re.compile(f"([{_CJK}]+)|([0-9a-z]+)")
# Only the beginning of a long notice is indexed: titles, names and codes come first, and the
# first pages of a notice say what it is about. Keeps one row's index entry bounded.
MAX_INDEXED_CHARS = 4000
# A PostgreSQL lexeme is limited to 2 KB; a "word" this long is not something anyone searches for.
MAX_WORD_CHARS = 64


# Pairs found in most notices (工程, 招标, 公告 …). A query word that also has rarer pairs leaves
# these out of the index lookup: reading their long posting lists costs more than it narrows,
# and the text check keeps the result exact. A word made only of them still uses them.
COMMON_PAIRS = frozenset(
    {
        "工程",
        "招标",
        "公告",
        "项目",
        "采购",
        "施工",
        "建设",
        "公司",
        "有限",
        "限公",
        "投标",
        "标人",
        "文件",
        "服务",
        "设备",
        "管理",
        "资格",
        "交易",
        "平台",
        "公共",
        "资源",
        "要求",
        "单位",
        "时间",
        "截止",
        "开标",
        "中标",
        "结果",
        "预算",
        "财政",
        "资金",
        "本项",
        "目已",
        "已具",
        "具备",
        "条件",
        "范围",
        "内容",
    }
)


def _normalize(text: str) -> str:
    # NFKC folds full-width letters and digits (ＡＢ１２) into their ASCII forms, as people type both.
    return unicodedata.normalize("NFKC", text).lower()


def _run_terms(text: str) -> Iterable[str]:
    for match in _RUN.finditer(_normalize(text)):
        cjk, word = match.groups()
        if cjk is not None:
            if len(cjk) == 1:
                yield cjk
            else:
                yield from (cjk[i : i + 2] for i in range(len(cjk) - 1))
        elif word is not None and len(word) <= MAX_WORD_CHARS:
            yield word


def _lexeme(term: str) -> str:
    # Terms hold only ideographs, ASCII letters and digits: nothing to escape but the quotes.
    return "'" + term.replace("'", "''") + "'"


def search_document(*texts: str) -> str:
    """The indexed terms of a notice, as the text of a PostgreSQL ``tsvector`` (unique, unordered).

    Stored as text and cast in SQL (``search_terms::tsvector``), so no text-search parser or
    dictionary touches it: what is stored here is exactly what is matched.
    """
    budget = MAX_INDEXED_CHARS
    terms: dict[str, None] = {}
    for text in texts:
        if budget <= 0:
            break
        piece = text[:budget]
        budget -= len(piece)
        for term in _run_terms(piece):
            terms.setdefault(term, None)
    return " ".join(_lexeme(term) for term in terms)


def notice_search_document(
    *, title: str, project_name: str, project_code: str, tenderer_name: str, agency_name: str, body: str
) -> str:
    """The indexed terms of one notice: what identifies it first, then its text."""
    return search_document(title, project_name, project_code, tenderer_name, agency_name, body)


# The fields a query word is checked against (case-insensitively, anywhere), in the selector.
NOTICE_TEXT_FIELDS = ("title", "project_name", "project_code", "tenderer_name", "agency_name", "body")


def search_words(q: str) -> list[str]:
    """The words of a query: split at spaces and punctuation, normalized, duplicates dropped."""
    words: dict[str, None] = {}
    for part in re.split(r"[\s,，;；、]+", _normalize(q)):
        part = part.strip()
        if part:
            words.setdefault(part, None)
    return list(words)


def search_query(words: list[str]) -> str | None:
    """The ``tsquery`` text that finds the candidates for ``words``, or None if no word can use
    the index (a single ideograph, or only punctuation): those are matched by the text check alone.
    """
    clauses: list[str] = []
    for word in words:
        for match in _RUN.finditer(word):
            cjk, latin = match.groups()
            if cjk is not None and len(cjk) >= 2:
                pairs = [cjk[i : i + 2] for i in range(len(cjk) - 1)]
                rare = [pair for pair in pairs if pair not in COMMON_PAIRS]
                clauses.extend(_lexeme(pair) for pair in (rare or pairs))
            elif latin is not None and len(latin) <= MAX_WORD_CHARS:
                clauses.append(_lexeme(latin) + ":*")
    if not clauses:
        return None
    return " & ".join(dict.fromkeys(clauses))
