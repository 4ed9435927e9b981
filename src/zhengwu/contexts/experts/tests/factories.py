"""Test helpers of the experts context: people of every role, experts made through the services,
and .xlsx sheets built with openpyxl.

Plain functions, so any test module can build the same world inside a test with database access.
The clock of these tests is 2026-03-02 10:00 Beijing time.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
from dataclasses import dataclass, field
from typing import Any

import openpyxl
from django.test import Client

from zhengwu.contexts.experts.models import Expert
from zhengwu.contexts.experts.services import expert_create
from zhengwu.contexts.identity.roles import TOTP_REQUIRED_ROLES
from zhengwu.contexts.identity.selectors import actor_for, user_get
from zhengwu.contexts.identity.services import organisation_create, user_create
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ
from zhengwu.kernel.idcard import idcard_check_char
from zhengwu.kernel.uscc import uscc_check_char, uscc_org_check_char

PASSWORD = "Kunming-Experts-2026"
SYSTEM = Actor.system("test")
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=CHINA_TZ)
TODAY = NOW.date()
_serials = itertools.count(1)

# Every kind of person; "expert" and "expert_other" have records in the pool, "expert_unlinked"
# holds the role without a record.
ROLE_KEYS = (
    "staff",
    "regulator",
    "tenderer",
    "agency",
    "bidder",
    "expert",
    "expert_other",
    "expert_unlinked",
    "appraiser",
    "leader",
    "dept",
    "public",
)
# Who reads the pool, and who maintains it.
OVERSIGHT = frozenset({"staff", "regulator"})
MAINTAINERS = frozenset({"staff"})


def uscc_make(prefix: str = "91530100") -> str:
    """A check-digit-correct 统一社会信用代码, new on every call."""
    body = f"MA7X{next(_serials):04d}"
    first17 = prefix + body + uscc_org_check_char(body)
    return first17 + uscc_check_char(first17)


def id_card_make(region: str = "530102", birth: dt.date = dt.date(1970, 5, 17), *, male: bool = True) -> str:
    """A GB 11643-valid identity number, new on every call."""
    sequence = (next(_serials) % 499) * 2 + (1 if male else 0)
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + idcard_check_char(first17)


@dataclass
class World:
    actors: dict[str, Actor] = field(default_factory=dict)
    uscc: dict[str, str] = field(default_factory=dict)
    experts: dict[str, Expert] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Actor:
        return self.actors[key]


def world_build() -> World:
    """People of every role (made through identity's services), and two experts with accounts."""
    world = World()
    centre = organisation_create(uscc=uscc_make("12530100"), name="昆明市公共资源交易中心", by=SYSTEM)
    regulator_org = organisation_create(uscc=uscc_make("11530100"), name="昆明市发展和改革委员会", by=SYSTEM)
    for key, role, name in (
        ("tenderer", "tenderer", "昆明某城市建设投资有限公司"),
        ("agency", "agency", "云南某招标代理有限公司"),
        ("bidder", "bidder", "云南某建设工程有限公司"),
    ):
        uscc = uscc_make()
        organisation = organisation_create(uscc=uscc, name=name, market_roles=[role], by=SYSTEM)
        user = user_create(
            username=key,
            password=PASSWORD,
            display_name=f"测试{key}",
            roles=[role],
            organisation=organisation,
            by=SYSTEM,
        )
        world.actors[key] = actor_for(user=user)
        world.uscc[key] = uscc
    for key, role, organisation in (
        ("staff", "centre_staff", centre),
        ("regulator", "regulator", regulator_org),
        ("expert", "expert", None),
        ("expert_other", "expert", None),
        ("expert_unlinked", "expert", None),
        ("appraiser", "appraiser", None),
        ("leader", "city_leader", None),
        ("dept", "department_user", None),
        ("public", "public", None),
    ):
        user = user_create(
            username=key,
            password=PASSWORD,
            display_name=f"测试{key}",
            roles=[role],
            organisation=organisation,
            by=SYSTEM,
        )
        world.actors[key] = actor_for(user=user)
    world.experts["expert"] = expert_make(world, name="吴建国", username="expert")
    world.experts["expert_other"] = expert_make(
        world,
        name="郑丽华",
        username="expert_other",
        main_specialty="A040102",
        other_specialties=[],
        region_code="530111",
    )
    return world


def expert_make(world: World, **overrides: Any) -> Expert:
    """An expert entered by the staff through ``expert_create``; any field may be overridden."""
    fields: dict[str, Any] = {
        "name": "王志强",
        "id_card": id_card_make(),
        "phone": "13987650001",
        "employer_name": "云南某建筑设计研究院有限公司",
        "employer_uscc": "",
        "region_code": "530102",
        "title_name": "高级工程师",
        "title_level": "senior",
        "work_years": 15,
        "base_type": "comprehensive",
        "main_specialty": "A080201",
        "other_specialties": ["A080202"],
        "qualifications": "一级注册建造师",
        "education": "本科",
    }
    fields.update(overrides)
    return expert_create(**fields, by=world["staff"])


def client_for(username: str) -> Client:
    """A signed-in client (second factor passed where the role needs one)."""
    user = user_get(username=username)
    client = Client()
    client.force_login(user)
    if user.role_codes & TOTP_REQUIRED_ROLES:
        session = client.session
        session["zw_totp_ok"] = True
        session.save()
    return client


HEADERS = (
    "姓名",
    "身份证号码",
    "手机号码",
    "工作单位",
    "工作单位统一社会信用代码",
    "所在地区代码",
    "职称",
    "职称级别",
    "工作年限",
    "专家库类别",
    "主评专业代码",
    "其他专业代码",
    "执业资格",
    "最高学历",
    "出生日期",
    "入库日期",
)


def sheet_row(**values: Any) -> dict[str, Any]:
    """One good row by header, with ``values`` (by header) replacing the defaults."""
    row: dict[str, Any] = {
        "姓名": "李海燕",
        "身份证号码": id_card_make(male=False),
        "手机号码": "13987651234",
        "工作单位": "昆明某市政工程设计研究院有限公司",
        "工作单位统一社会信用代码": "",
        "所在地区代码": "530103",
        "职称": "高级工程师",
        "职称级别": "高级",
        "工作年限": 12,
        "专家库类别": "综合评标专家库",
        "主评专业代码": "A080205",
        "其他专业代码": "A080204、A040104",
        "执业资格": "注册公用设备工程师",
        "最高学历": "硕士研究生",
        "出生日期": None,
        "入库日期": None,
    }
    row.update(values)
    return row


def xlsx_make(rows: list[dict[str, Any]], *, headers: tuple[str, ...] = HEADERS, sheet: str = "专家") -> bytes:
    """An .xlsx workbook with ``headers`` (``*`` on the required ones, as the template) and ``rows``."""
    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    assert worksheet is not None
    worksheet.title = sheet
    worksheet.append(headers)
    for row in rows:
        worksheet.append([row.get(header.rstrip("*")) for header in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
