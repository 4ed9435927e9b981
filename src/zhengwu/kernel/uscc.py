"""统一社会信用代码 (Unified Social Credit Code, GB 32100-2015) validation.

Implemented in-house because python-stdnum is LGPL and rejects valid codes whose first
character is a letter (A, N, Y) — see shared/reference/appraisal-methods.md §5.5.

Layout: 1 registration authority, 2 organisation category, 3–8 administrative division
(GB/T 2260), 9–17 organisation code (GB 11714, whose 9th character is its own check), 18 the
check character (GB/T 17710, weights 3^(i-1) mod 31).

The GB 11714 inner check is reported as a *warning*: some legal codes issued during the pilot
period fail it, and the standard's text is the outer check. Codes that fail the outer check can
still be accepted, but only through the audited override in the identity context.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

# GB 32100-2015 §4: the 31 symbols (digits and capitals without I, O, Z, S, V).
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
# GB 32100-2015 §5 (GB/T 17710 MOD 31-3): W_i = 3^(i-1) mod 31.
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))

# Registration authorities (position 1) and their organisation categories (position 2).
# GB 32100-2015 Annex A, as extended by later registration rules (appraisal-methods.md §5.5).
# Authorities whose category table the reference does not give accept any category 1–9.
_ANY_CATEGORY = frozenset("123456789")
CATEGORIES: dict[str, frozenset[str]] = {
    "1": frozenset("1239"),  # 机构编制: 机关, 事业单位, 群众团体(中央编办直接管理), 其他
    "2": _ANY_CATEGORY,  # 外交
    "3": _ANY_CATEGORY,  # 司法行政
    "4": _ANY_CATEGORY,  # 文化
    "5": frozenset("1239"),  # 民政: 社会团体, 民办非企业单位, 基金会, 其他
    "6": _ANY_CATEGORY,  # 旅游
    "7": _ANY_CATEGORY,  # 宗教
    "8": _ANY_CATEGORY,  # 工会
    "9": frozenset("123"),  # 工商: 企业, 个体工商户, 农民专业合作社
    "A": _ANY_CATEGORY,  # 中央军委改革和编制办公室
    "N": _ANY_CATEGORY,  # 农业
    "Y": _ANY_CATEGORY,  # 其他
}

# GB 11714-1997: weights of the 8 body characters; A=10 … Z=35 over all 26 letters.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


@dataclass(frozen=True)
class UsccVerdict:
    """The outcome of checking one code: valid or not, with every reason in Chinese."""

    code: str
    valid: bool
    errors: tuple[str, ...] = field(default_factory=tuple)
    warnings: tuple[str, ...] = field(default_factory=tuple)
    error_code: str | None = None

    @property
    def reason(self) -> str:
        if self.errors:
            return "；".join(self.errors)
        if self.warnings:
            return "校验通过（提示：" + "；".join(self.warnings) + "）"
        return "校验通过"


def uscc_normalize(raw: str) -> str:
    """Strip spaces and use capitals, the form in which codes are stored and compared.

    NFKC first: a code typed with a Chinese input method often arrives in full-width form
    (“９１５３…”), which is the same code and must not be reported as illegal characters.
    """
    return "".join(unicodedata.normalize("NFKC", raw).split()).upper()


def uscc_check_char(first17: str) -> str:
    """Return the GB 32100 check character for the first 17 characters."""
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(-total) % 31]


def _org_value(ch: str) -> int:
    return int(ch) if ch.isdigit() else ord(ch) - ord("A") + 10


def uscc_org_check_char(body8: str) -> str:
    """Return the GB 11714 check character for an 8-character organisation-code body."""
    total = sum(_org_value(ch) * w for ch, w in zip(body8, _ORG_WEIGHTS, strict=True))
    c9 = 11 - total % 11
    return {10: "X", 11: "0"}.get(c9, str(c9))


def uscc_validate(raw: str) -> UsccVerdict:
    """Check a code's form, authority, category, division and check characters."""
    code = uscc_normalize(raw)
    if len(code) != 18:
        return UsccVerdict(code, False, (f"长度应为18位，实为{len(code)}位",), error_code="uscc_length")
    bad = sorted({ch for ch in code if ch not in _VALUE})
    if bad:
        message = "含有不允许的字符：" + "、".join(bad) + "（不得使用I、O、Z、S、V）"
        return UsccVerdict(code, False, (message,), error_code="uscc_charset")
    errors: list[str] = []
    error_code: str | None = None
    authority, category = code[0], code[1]
    if authority not in CATEGORIES:
        errors.append(f"第1位登记管理部门代码“{authority}”无效")
        error_code = "uscc_authority"
    elif category not in CATEGORIES[authority]:
        errors.append(f"第2位机构类别代码“{category}”不属于登记管理部门“{authority}”")
        error_code = "uscc_category"
    if not code[2:8].isdigit():
        errors.append("第3–8位登记管理机关行政区划码应为6位数字")
        error_code = error_code or "uscc_division"
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        errors.append(f"第18位校验码应为“{expected}”，实为“{code[17]}”")
        error_code = error_code or "uscc_check_digit"
    warnings: list[str] = []
    body, org_check = code[8:16], code[16]
    if all(ch.isdigit() or "A" <= ch <= "Z" for ch in body):
        expected_org = uscc_org_check_char(body)
        if org_check != expected_org:
            warnings.append(f"组织机构代码（第9–17位）校验位应为“{expected_org}”，实为“{org_check}”")
    return UsccVerdict(code, not errors, tuple(errors), tuple(warnings), error_code)
