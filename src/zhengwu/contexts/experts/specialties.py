"""Expert specialty codes (评标专业, the data standard's ``MAJOR_CODE``): plain data, no Django.

A code has the layout of 《评标专家专业分类标准（试行）》 (发改法规〔2010〕1538号), which the data
standard's 标段（包）分类 code (技术规范 9.8.7) also follows: one letter for the category (A 工程,
B 货物, C 服务), then two digits per level, up to three levels — ``A08`` 工程施工, ``A0802``
市政工程, ``A080201`` 道路工程; at most 7 characters, the length of ``MAJOR_CODE``.

The table below is a working subset of that classification (the levels and leaves that the
city's pool and the demo use), not the official table: the national 代码集 is not in the
shared references (ebidding-rules.md §8.4). A province replaces it with its full table; the
import and the forms refuse any code not listed here, so an unknown code never enters the pool.

A draw request names codes at any level: a level admits every code below it (``A0802`` admits
an expert whose specialty is ``A080201``), see ``specialty_matches``.
"""

from __future__ import annotations

import re

SPECIALTY_CODE_MAX = 7
_SHAPE = re.compile(r"[A-C](\d\d){1,3}")

# code → name, in code order. First-level codes of category A are those of the 2010 standard.
SPECIALTIES: dict[str, str] = {
    "A03": "勘察",
    "A0301": "岩土工程",
    "A030101": "岩土工程勘察/工程地质勘察",
    "A0303": "测绘工程",
    "A030302": "工程测量",
    "A04": "设计",
    "A0401": "建筑工程",
    "A040102": "建筑",
    "A040103": "结构",
    "A040104": "给水排水",
    "A040105": "暖通空调",
    "A05": "监理",
    "A06": "工程造价",
    "A07": "项目管理（含代建）",
    "A08": "工程施工",
    "A080105": "电气工程",
    "A080107": "钢结构工程",
    "A080109": "室内装饰装修工程",
    "A080113": "消防设施工程",
    "A0802": "市政工程",
    "A080201": "道路工程",
    "A080202": "桥梁工程",
    "A080204": "给水工程",
    "A080205": "排水工程",
    "A080210": "道路照明工程",
    "A0803": "公路工程",
    "A080301": "路基工程、路面工程",
    "A0808": "水利工程",
    "A080802": "水工建筑物工程",
    "A080804": "河道和堤防工程",
    "A0810": "电力工程",
    "A081003": "输变电工程",
    "A09": "其他工程",
    "A0901": "环境工程",
    "A090101": "大气污染控制工程",
    "A090102": "水污染控制工程",
    "B01": "机械、设备类",
    "B0101": "建筑机械",
    "B010102": "挖掘机械",
    "B010107": "混凝土机械",
}


def specialty_code_normalize(raw: str) -> str:
    """A typed code in its stored form: blanks removed, capitals."""
    return "".join(raw.split()).upper()


def specialty_known(code: str) -> bool:
    """Whether ``code`` (normalised) is in the table."""
    return code in SPECIALTIES


def specialty_shape_ok(code: str) -> bool:
    """Whether ``code`` has the layout of a specialty code (letter, then 2, 4 or 6 digits)."""
    return bool(_SHAPE.fullmatch(code))


def specialty_label(code: str) -> str:
    """``A080201 市政工程·道路工程``: the code with its name and its parents' names."""
    names = [SPECIALTIES[code[:n]] for n in range(3, len(code) + 1, 2) if code[:n] in SPECIALTIES]
    return f"{code} {'·'.join(names)}" if names else code


def specialty_matches(*, wanted: str, held: str) -> bool:
    """Whether an expert holding ``held`` serves a request for ``wanted`` (same code or below it)."""
    return held.startswith(wanted)


def specialty_choices() -> list[tuple[str, str]]:
    """(code, label) pairs for forms, in code order."""
    return [(code, specialty_label(code)) for code in sorted(SPECIALTIES)]
