"""Test helpers of the tendering context: people of every role, and tenders built through the services.

Plain functions (no fixtures), so that any test module — the pages' and the API's too — can build
the same world: ``world = world_build()`` inside a test that has database access.

The clock of these tests is 2026-03-02 10:00 Beijing time (a Monday). From there the standard
lawful timetables are (worked out by hand from the law and the 2026 calendar):

- construction (公开招标): documents issued from publication, sale ≥5 days (to 03-07 at least),
  deadline ≥20 days after first issue → 03-22, a Sunday → 03-23 at the earliest; we use 03-24 09:30;
- procurement by 竞争性磋商: sale ≥5 working days (03-09), first response ≥10 days (03-12);
  we use 03-13 14:30 with the sale ending 03-09 17:00;
- land 挂牌: notice ≥20 days before the listing starts (03-22, we start 03-23 09:00), listing
  ≥10 working days, which the 清明 holiday (04-04..06) stretches to 04-07; we end 04-07 17:00.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

from zhengwu.contexts.bidding.services import custodian_key_register, supervision_custody_key_sync
from zhengwu.contexts.identity.selectors import actor_for
from zhengwu.contexts.identity.services import enterprise_register, organisation_create, user_create
from zhengwu.contexts.tendering import models
from zhengwu.contexts.tendering.services import (
    notice_approve,
    notice_draft,
    notice_publish,
    project_register,
    section_add,
)
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ
from zhengwu.kernel.crypto import AgreementKey
from zhengwu.kernel.uscc import uscc_check_char, uscc_org_check_char
from zhengwu.platform.audit.models import AuditEntry
from zhengwu.platform.exchange.models import OutboxMessage

PASSWORD = "Kunming-Tender-2026"
SYSTEM = Actor.system("test")
_serials = itertools.count(1)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> dt.datetime:
    """An instant in Beijing time."""
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=CHINA_TZ)


# The tests' "now": Monday 2 March 2026, 10:00 in Beijing.
NOW = at(2026, 3, 2, 10, 0)

CONSTRUCTION = "construction.open"
CONSULTATION = "procurement.competitive_consultation"
LISTING = "land.listing"

# Lawful timetables for a notice published at NOW (see the module docstring).
TIMETABLES: dict[str, dict[str, dt.datetime]] = {
    CONSTRUCTION: {"doc_issue_end": at(2026, 3, 9, 17), "bid_deadline": at(2026, 3, 24, 9, 30)},
    CONSULTATION: {"doc_issue_end": at(2026, 3, 9, 17), "bid_deadline": at(2026, 3, 13, 14, 30)},
    LISTING: {"activity_start": at(2026, 3, 23, 9), "bid_deadline": at(2026, 4, 7, 17)},
}


def uscc_make(prefix: str = "91530100") -> str:
    """A check-digit-correct 统一社会信用代码, new on every call."""
    body = f"MA7T{next(_serials):04d}"
    first17 = prefix + body + uscc_org_check_char(body)
    return first17 + uscc_check_char(first17)


# Every kind of person the tendering services meet. The project's own tenderer and agency are
# "tenderer" and "agency"; the "*_other" ones belong to other organisations of the same role.
ROLE_KEYS = (
    "staff",
    "tenderer",
    "tenderer_other",
    "agency",
    "agency_other",
    "bidder1",
    "bidder2",
    "bidder3",
    "bidder_pending",
    "expert",
    "regulator",
    "appraiser",
    "leader",
    "dept",
    "public",
    "system",
)


@dataclass
class World:
    actors: dict[str, Actor] = field(default_factory=dict)
    uscc: dict[str, str] = field(default_factory=dict)
    # The custody keys the tenderers' and agencies' officers keep offline (opening-key shares).
    custody: dict[str, AgreementKey] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Actor:
        return self.actors[key]


def world_build() -> World:
    """People of every role, with verified organisations (one pending bidder), made through identity's services."""
    world = World()
    centre = organisation_create(uscc=uscc_make("12530100"), name="昆明市公共资源交易中心", by=SYSTEM)
    regulator_org = organisation_create(uscc=uscc_make("11530100"), name="昆明市发展和改革委员会", by=SYSTEM)
    market = {
        "tenderer": ("tenderer", "昆明某城市建设投资有限公司"),
        "tenderer_other": ("tenderer", "昆明某水务集团有限公司"),
        "agency": ("agency", "云南某招标代理有限公司"),
        "agency_other": ("agency", "云南某工程咨询有限公司"),
        "bidder1": ("bidder", "云南某建设工程有限公司"),
        "bidder2": ("bidder", "昆明某路桥工程有限公司"),
        "bidder3": ("bidder", "云南某水利水电工程有限公司"),
    }
    for key, (role, name) in market.items():
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
    uscc = uscc_make()
    _, pending_user = enterprise_register(
        uscc=uscc,
        name="昆明某新材料科技有限公司",
        market_roles=["bidder"],
        contact_name="周婷",
        contact_phone="13800000007",
        username="bidder_pending",
        password=PASSWORD,
        display_name="周婷",
        phone="",
        ip=None,
    )
    world.actors["bidder_pending"] = actor_for(user=pending_user)
    world.uscc["bidder_pending"] = uscc
    others = {
        "staff": ("centre_staff", centre),
        "expert": ("expert", None),
        "regulator": ("regulator", regulator_org),
        "appraiser": ("appraiser", None),
        "leader": ("city_leader", None),
        "dept": ("department_user", None),
        "public": ("public", None),
    }
    for key, (role, organisation) in others.items():
        user = user_create(
            username=key,
            password=PASSWORD,
            display_name=f"测试{key}",
            roles=[role],
            organisation=organisation,
            by=SYSTEM,
        )
        world.actors[key] = actor_for(user=user)
    world.actors["system"] = SYSTEM
    # A tender notice opens sealed bidding only with opening keys split among custodians: the
    # supervision platform and the tenderer's side must have registered their custody keys.
    supervision_custody_key_sync(by=SYSTEM)
    for key in ("tenderer", "tenderer_other", "agency", "agency_other"):
        world.custody[key] = AgreementKey.generate()
        custodian_key_register(
            public=base64.b64encode(world.custody[key].public_raw).decode("ascii"), by=world.actors[key]
        )
    return world


def project_make(
    world: World,
    *,
    procedure: str = CONSTRUCTION,
    name: str = "昆明市呈贡区吴家营片区市政道路工程",
    budget_yuan: str = "86500000.00",
    sections: tuple[tuple[str, str, str], ...] = (("第一标段", "52300000.00", "800000.00"),),
    document_price_yuan: str = "0",
) -> tuple[models.Project, list[models.Section]]:
    """A project registered by the agency for the tenderer, with its sections (name, estimate, security)."""
    project = project_register(
        name=name,
        procedure=procedure,
        funding_source="财政资金",
        budget_yuan=budget_yuan,
        region_code="530114",
        industry_code="E48",
        tenderer_uscc=world.uscc["tenderer"],
        by=world["agency"],
    )
    made = [
        section_add(
            project=project,
            name=section_name,
            estimate_yuan=estimate,
            bid_security_yuan=security,
            document_price_yuan=document_price_yuan,
            by=world["agency"],
        )
        for section_name, estimate, security in sections
    ]
    return project, made


def notice_make(
    world: World, project: models.Project, sections: list[models.Section], **timetable: Any
) -> models.Notice:
    """A drafted tender notice with the procedure's standard lawful timetable (overridable)."""
    dates = {**TIMETABLES[project.procedure], **timetable}
    return notice_draft(
        project=project,
        kind="tender",
        title=f"{project.name}招标公告",
        body="投标人资格要求：具备相应资质。",
        sections=sections,
        by=world["agency"],
        **dates,
    )


def tender_publish(
    world: World,
    *,
    procedure: str = CONSTRUCTION,
    bidder_key_required: bool = True,
    envelopes: str = "single",
    **kwargs: Any,
) -> tuple[models.Project, list[models.Section], models.Notice]:
    """A project whose tender notice is approved by staff and published at the current clock.

    Publication creates the opening key of each sealed-bid section and envelope;
    ``bidder_key_required`` says whether opening also needs each bidder's own key (the notice's
    default: yes); ``envelopes="two"`` asks for technical and commercial envelopes.
    """
    project, sections = project_make(world, procedure=procedure, **kwargs)
    notice = notice_make(world, project, sections, bidder_key_required=bidder_key_required, envelopes=envelopes)
    notice_approve(notice=notice, by=world["staff"])
    notice = notice_publish(notice=notice, by=world["agency"])
    return project, [models.Section.objects.get(pk=s.pk) for s in sections], notice


def snapshot() -> dict[str, Any]:
    """Everything a refused call must leave unchanged: row counts, section and notice state, audit, outbox."""
    counts = {
        model.__name__: model.objects.count()
        for model in (
            models.Project,
            models.Section,
            models.Notice,
            models.NoticeApproval,
            models.Document,
            models.DocumentObtain,
            models.Question,
            models.Answer,
            models.AnswerDelivery,
            models.Objection,
            AuditEntry,
            OutboxMessage,
        )
    }
    sections = list(
        models.Section.objects.order_by("id").values_list(
            "status", "version", "bid_deadline", "opening_at", "next_check_at", "bid_count", "suspended_at"
        )
    )
    notices = list(models.Notice.objects.order_by("id").values_list("status", "version"))
    objections = list(models.Objection.objects.order_by("id").values_list("status", "reply"))
    return {"counts": counts, "sections": sections, "notices": notices, "objections": objections}
