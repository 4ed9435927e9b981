"""Demo service units: the 40 service centres and 34 approval departments a round appraises.

Names follow Kunming's districts and city departments; they are demo data, not an official list.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from zhengwu.contexts.appraisal.demo_quarter import demo_quarters_run
from zhengwu.contexts.appraisal.models import Unit
from zhengwu.contexts.appraisal.services import unit_create
from zhengwu.kernel.actor import Actor

_DISTRICTS = [
    ("530102", "五华区"),
    ("530103", "盘龙区"),
    ("530111", "官渡区"),
    ("530112", "西山区"),
    ("530113", "东川区"),
    ("530114", "呈贡区"),
    ("530115", "晋宁区"),
    ("530124", "富民县"),
    ("530125", "宜良县"),
    ("530126", "石林彝族自治县"),
    ("530127", "嵩明县"),
    ("530128", "禄劝彝族苗族自治县"),
    ("530129", "寻甸回族彝族自治县"),
    ("530181", "安宁市"),
]
_ZONES = ["昆明经济技术开发区", "昆明高新技术产业开发区", "滇池国家旅游度假区", "阳宗海风景名胜区"]
_SUBCENTRES = [
    "市民之家",
    "不动产登记",
    "公积金",
    "社会保险",
    "出入境",
    "车辆管理",
    "公共资源交易",
]

DEPARTMENTS = [
    "市发展和改革委员会",
    "市工业和信息化局",
    "市教育体育局",
    "市科学技术局",
    "市民族宗教事务委员会",
    "市公安局",
    "市民政局",
    "市司法局",
    "市财政局",
    "市人力资源和社会保障局",
    "市自然资源和规划局",
    "市生态环境局",
    "市住房和城乡建设局",
    "市城市管理局",
    "市交通运输局",
    "市农业农村局",
    "市水务局",
    "市商务局",
    "市文化和旅游局",
    "市卫生健康委员会",
    "市退役军人事务局",
    "市应急管理局",
    "市市场监督管理局",
    "市林业和草原局",
    "市医疗保障局",
    "市人民防空办公室",
    "市气象局",
    "市消防救援支队",
    "市烟草专卖局",
    "市税务局",
    "市住房公积金管理中心",
    "市残疾人联合会",
    "市地方金融管理局",
    "市数据局",
]


_STREET_DISTRICTS = ["五华区"] * 4 + ["盘龙区"] * 4 + ["西山区"] * 3 + ["官渡区"] * 3


def _centres() -> list[tuple[str, str, str, str]]:
    """(region code, district, level, name) of the forty centres."""
    centres = [("530100", "昆明市", "city", "昆明市政务服务中心")]
    centres += [(code, name, "county", f"{name}政务服务中心") for code, name in _DISTRICTS]
    centres += [("530100", zone, "county", f"{zone}政务服务中心") for zone in _ZONES]
    centres += [("530100", "昆明市", "city", f"昆明市政务服务中心{sub}分中心") for sub in _SUBCENTRES]
    codes = {name: code for code, name in _DISTRICTS}
    # Street-level centres of the four main districts complete the forty.
    streets = [
        "华山",
        "护国",
        "拓东",
        "龙泉",
        "关上",
        "金马",
        "马街",
        "碧鸡",
        "吴井",
        "太和",
        "小板桥",
        "前卫",
        "海口",
        "团结",
    ]
    centres += [
        (codes[district], district, "street", f"{street}街道便民服务中心")
        for street, district in zip(streets, _STREET_DISTRICTS, strict=True)
    ]
    return centres[:40]


def demo_load(*, platforms: list[str]) -> list[dict[str, Any]]:
    """Create the demo units and run two quarters on them, once; running it again changes nothing."""
    if "appraisal" not in platforms:
        return []
    if not Unit.objects.exists():
        demo_units_create()
    if settings.ZHENGWU_DEMO_APPRAISAL_QUARTERS:
        demo_quarters_run(link_base=settings.ZHENGWU_PUBLIC_URL)
    return []


def demo_units_create() -> None:
    system = Actor.system("demo")
    for i, (region, district, level, name) in enumerate(_centres(), start=1):
        unit_create(
            code=f"C{i:03d}",
            name=name,
            kind=Unit.Kind.CENTRE,
            level=level,
            region_code=region,
            district=district,
            by=system,
        )
    for i, name in enumerate(DEPARTMENTS, start=1):
        unit_create(
            code=f"D{i:03d}",
            name=name,
            kind=Unit.Kind.DEPARTMENT,
            level=Unit.Level.CITY,
            region_code="530100",
            district="昆明市",
            by=system,
        )
