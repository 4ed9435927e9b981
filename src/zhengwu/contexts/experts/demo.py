"""A demo expert pool: 60 experts across a few specialties and regions, entered through the services.

Made up, deterministic and valid: identity numbers pass GB 11643 (their address codes are the
experts' districts, their birth dates a spread from 1961 to 1990), employers' codes pass GB
32100. The first two experts are the demo accounts ``expert1`` (吴建国) and ``expert2`` (郑丽华),
linked so that they see their own record. A few experts work for the demo tenderer and bidders,
and one declares a family tie with a bidder, so that a draw has something to avoid; two are
suspended and one is away for a while.

Loading twice changes nothing: an expert whose identity number is in the pool is skipped.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from zhengwu.contexts.experts.models import Expert
from zhengwu.contexts.experts.personal import id_card_digest
from zhengwu.contexts.experts.selectors import expert_for_system
from zhengwu.contexts.experts.services import (
    Window,
    availability_set,
    conflict_declare,
    expert_create,
    expert_suspend,
)
from zhengwu.contexts.identity.selectors import actor_for, organisations_list, user_get
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_today
from zhengwu.kernel.errors import NotAuthenticated, NotFound
from zhengwu.kernel.idcard import idcard_check_char
from zhengwu.kernel.uscc import uscc_check_char, uscc_org_check_char

logger = logging.getLogger(__name__)

POOL_SIZE = 60

SURNAMES = "吴郑王李张刘陈杨赵黄周徐孙马朱胡郭何高林罗梁宋唐许韩冯邓曹彭曾萧田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = (
    "建国",
    "丽华",
    "志强",
    "海燕",
    "永明",
    "晓东",
    "秀英",
    "国平",
    "文博",
    "春梅",
    "俊峰",
    "红霞",
    "立新",
    "雪梅",
    "卫东",
    "晓红",
    "振华",
    "桂兰",
    "德明",
    "玉珍",
)
# (code, name): Kunming's districts, and one district each of Qujing and Yuxi (异地 draws).
REGIONS = (
    ("530102", "五华区"),
    ("530103", "盘龙区"),
    ("530111", "官渡区"),
    ("530112", "西山区"),
    ("530114", "呈贡区"),
    ("530302", "麒麟区"),
    ("530402", "红塔区"),
)


@dataclass(frozen=True)
class Profile:
    main: str
    others: tuple[str, ...]
    titles: tuple[tuple[str, str], ...]  # (title name, level)
    base_type: str = "comprehensive"
    qualification: str = ""


PROFILES = (
    Profile(
        "A080201",
        ("A080202", "A080210"),
        (("高级工程师", "senior"), ("正高级工程师", "full_senior")),
        qualification="一级注册建造师（市政公用工程）",
    ),
    Profile(
        "A080202",
        ("A080201",),
        (("高级工程师", "senior"), ("工程师", "intermediate")),
        qualification="一级注册建造师（市政公用工程）",
    ),
    Profile(
        "A080205", ("A080204", "A040104"), (("高级工程师", "senior"),), qualification="注册公用设备工程师（给水排水）"
    ),
    Profile(
        "A040102",
        ("A040103",),
        (("高级建筑师", "senior"), ("教授级高级建筑师", "full_senior")),
        qualification="一级注册建筑师",
    ),
    Profile("A040103", ("A040102",), (("高级工程师", "senior"),), qualification="一级注册结构工程师"),
    Profile("A06", (), (("高级经济师", "senior"), ("工程师", "intermediate")), qualification="一级造价工程师"),
    Profile("A05", ("A080201",), (("高级工程师", "senior"),), qualification="注册监理工程师"),
    Profile(
        "A080802",
        ("A080804",),
        (("高级工程师", "senior"), ("正高级工程师", "full_senior")),
        qualification="一级注册建造师（水利水电工程）",
    ),
    Profile("A080105", ("A081003",), (("高级工程师", "senior"),), qualification="注册电气工程师"),
    Profile("A090102", ("A090101",), (("高级工程师", "senior"),), qualification="注册环保工程师"),
    Profile("B010107", ("B010102",), (("高级工程师", "senior"), ("工程师", "intermediate")), base_type="procurement"),
)

# Made-up employers: (key, name, USCC prefix and body), the codes computed valid below.
EMPLOYERS = (
    ("design", "云南某建筑设计研究院有限公司", "91530100", "MA6KE001"),
    ("municipal", "昆明某市政工程设计研究院有限公司", "91530100", "MA6KE002"),
    ("cost", "云南某工程造价咨询有限公司", "91530100", "MA6KE003"),
    ("university", "云南某大学建筑工程学院", "12530000", "MB0YE004"),
    ("water", "昆明某水利水电勘测设计研究院", "12530100", "MB0YE005"),
    ("traffic", "云南某交通规划设计研究院有限公司", "91530000", "MA6KE006"),
    ("power", "云南某电力设计院有限公司", "91530000", "MA6KE007"),
    ("environment", "昆明某环保科技有限公司", "91530100", "MA6KE008"),
    ("supervision", "云南某工程监理有限公司", "91530100", "MA6KE009"),
)
# Demo organisations (identity's demo) some experts work for, found by name.
TENDERER_NAME = "昆明某城市建设投资有限公司"
BIDDER_NAMES = ("云南某建设工程有限公司", "昆明某路桥工程有限公司")


def _uscc(prefix: str, body: str) -> str:
    first17 = prefix + body + uscc_org_check_char(body)
    return first17 + uscc_check_char(first17)


def _id_card(region: str, birth: dt.date, serial: int, male: bool) -> str:
    sequence = serial * 2 + (1 if male else 0)
    first17 = f"{region}{birth:%Y%m%d}{sequence % 1000:03d}"
    return first17 + idcard_check_char(first17)


def _actor(username: str) -> Actor | None:
    try:
        return actor_for(user=user_get(username=username))
    except (NotFound, NotAuthenticated):
        return None


@dataclass(frozen=True)
class DemoExpert:
    name: str
    id_card: str
    phone: str
    employer: tuple[str, str]
    region: str
    profile: Profile
    title: tuple[str, str]
    work_years: int
    username: str


def demo_experts(organisations: dict[str, str]) -> list[DemoExpert]:
    """The 60 demo experts; ``organisations`` maps the demo organisations' names to their codes."""
    employers = [(name, _uscc(prefix, body)) for _, name, prefix, body in EMPLOYERS]
    market = [(name, organisations[name]) for name in (TENDERER_NAME, *BIDDER_NAMES) if name in organisations]
    out = []
    for i in range(POOL_SIZE):
        surname = SURNAMES[i % len(SURNAMES)]
        given = GIVEN[i % len(GIVEN)]
        male = given not in {"丽华", "海燕", "秀英", "春梅", "红霞", "雪梅", "晓红", "桂兰", "玉珍"}
        region = REGIONS[i % len(REGIONS)][0]
        birth = dt.date(1961 + (i * 7) % 30, 1 + (i * 5) % 12, 1 + (i * 11) % 28)
        profile = PROFILES[i % len(PROFILES)]
        # Every twelfth expert (from the fourth) works for the demo tenderer or a bidder.
        if i % 12 == 3 and market:
            employer = market[(i // 12) % len(market)]
        else:
            employer = employers[i % len(employers)]
        out.append(
            DemoExpert(
                name=surname + given,
                id_card=_id_card(region, birth, 100 + i, male),
                phone=f"139{87650000 + i:08d}",
                employer=employer,
                region=region,
                profile=profile,
                title=profile.titles[i % len(profile.titles)],
                # 5 to 34 years: a few fall short of the 8 years construction panels need.
                work_years=5 + (i * 13) % 30,
                username={0: "expert1", 1: "expert2"}.get(i, ""),
            )
        )
    return out


def demo_load(*, platforms: list[str]) -> list[dict[str, Any]]:
    """Create the demo pool when the trading platform is served; return no accounts (identity makes them)."""
    if "trading" not in platforms:
        return []
    staff = _actor("staff")
    if staff is None:
        logger.warning("demo: the staff account is missing; load the identity demo first")
        return []
    organisations = {o.name: o.uscc for o in organisations_list()}
    today = clock_today()
    created: list[tuple[int, Expert]] = []
    for i, spec in enumerate(demo_experts(organisations)):
        if Expert.objects.filter(id_card_digest=id_card_digest(spec.id_card)).exists():
            continue
        username = spec.username if spec.username and _actor(spec.username) is not None else ""
        expert = expert_create(
            name=spec.name,
            id_card=spec.id_card,
            phone=spec.phone,
            employer_name=spec.employer[0],
            employer_uscc=spec.employer[1],
            region_code=spec.region,
            title_name=spec.title[0],
            title_level=spec.title[1],
            work_years=spec.work_years,
            base_type=spec.profile.base_type,
            main_specialty=spec.profile.main,
            other_specialties=list(spec.profile.others),
            qualifications=spec.profile.qualification,
            education="本科" if i % 3 else "硕士研究生",
            entered_on=today - dt.timedelta(days=30 + i * 17),
            username=username,
            by=staff,
        )
        created.append((i, expert))
    bidders = [organisations[name] for name in BIDDER_NAMES if name in organisations]
    for i, expert in created:
        if i == 5 and bidders:
            conflict_declare(
                expert=expert,
                organisation_name=BIDDER_NAMES[0],
                organisation_uscc=bidders[0],
                relation="kinship",
                note="配偶在该公司任项目经理",
                by=staff,
            )
        if i in (7, 29):
            expert_suspend(expert=expert_for_system(uuid=expert.uuid), reason="年度考核不合格，暂停抽取", by=staff)
        if i == 11:
            availability_set(
                expert=expert,
                windows=[Window(today, today + dt.timedelta(days=20), "出国学术交流")],
                by=staff,
            )
    return []
