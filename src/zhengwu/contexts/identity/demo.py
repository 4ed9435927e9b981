"""Demo organisations and accounts, created through the services.

Every demo account has the password ``Zhengwu@2026`` and ``is_demo`` set; accounts whose role
needs a second factor are pre-enrolled with a fixed secret derived from the username, so that
``zhengwu totp staff`` prints the current code. The codes of the organisations are computed
with the kernel's USCC rules (Kunming, region 5301xx) and pass both checks. Names are made up.

Loading twice changes nothing: whatever exists already is left as it is.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from zhengwu.contexts.identity.models import Organisation, User
from zhengwu.contexts.identity.roles import ROLE_LABELS, TOTP_REQUIRED_ROLES, Role
from zhengwu.contexts.identity.selectors import actor_for
from zhengwu.contexts.identity.services import (
    enterprise_register,
    organisation_create,
    organisation_verify,
    totp_enrol_demo,
    user_create,
    user_mark_demo,
)
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.uscc import uscc_check_char, uscc_org_check_char

DEMO_PASSWORD = "Zhengwu@2026"  # noqa: S105 - published demo password, documented in the README


def demo_uscc(first8: str, body8: str) -> str:
    """A valid code: authority, category and division, an 8-character body, both check characters."""
    first17 = first8 + body8 + uscc_org_check_char(body8)
    return first17 + uscc_check_char(first17)


def demo_totp_secret(username: str) -> str:
    """The fixed, published TOTP secret of a demo account (base32, 160 bits)."""
    digest = hashlib.sha256(f"zhengwu-demo-totp:{username}".encode()).digest()[:20]
    return base64.b32encode(digest).decode("ascii")


@dataclass(frozen=True)
class DemoOrganisation:
    key: str
    first8: str
    body8: str
    name: str
    market_roles: tuple[str, ...] = ()
    verified: bool = True

    @property
    def uscc(self) -> str:
        return demo_uscc(self.first8, self.body8)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: str
    organisation: str | None
    phone: str
    # Where the account signs in, in order of preference.
    platforms: tuple[str, ...] = field(default_factory=tuple)


ORGANISATIONS = [
    DemoOrganisation("centre", "12530100", "MB0Y1001", "昆明市公共资源交易中心"),
    DemoOrganisation("regulator", "11530100", "MB0Y2002", "昆明市发展和改革委员会"),
    DemoOrganisation("department", "11530100", "MB0Y3003", "昆明市市场监督管理局"),
    DemoOrganisation("appraiser", "91530100", "MA6K4004", "云南某政务服务评价咨询有限公司"),
    DemoOrganisation("agency", "91530100", "MA6K5005", "云南某招标代理有限公司", (Role.AGENCY,)),
    DemoOrganisation("tenderer", "91530100", "MA6K6006", "昆明某城市建设投资有限公司", (Role.TENDERER,)),
    DemoOrganisation("bidder1", "91530102", "MA6K7001", "云南某建设工程有限公司", (Role.BIDDER,)),
    DemoOrganisation("bidder2", "91530103", "MA6K7002", "昆明某路桥工程有限公司", (Role.BIDDER,)),
    DemoOrganisation("bidder3", "91530111", "MA6K7003", "云南某水利水电工程有限公司", (Role.BIDDER,)),
    # Left pending, so that staff have a registration to verify in the demo.
    DemoOrganisation("newcomer", "91530112", "MA6K7004", "昆明某新材料科技有限公司", (Role.BIDDER,), verified=False),
]

ACCOUNTS = [
    DemoAccount("staff", "李娜", Role.CENTRE_STAFF, "centre", "13800000001", ("trading", "center", "public")),
    DemoAccount("agency", "赵磊", Role.AGENCY, "agency", "13800000002", ("trading",)),
    DemoAccount("tenderer", "陈静", Role.TENDERER, "tenderer", "13800000003", ("trading",)),
    DemoAccount("bidder1", "刘洋", Role.BIDDER, "bidder1", "13800000004", ("trading",)),
    DemoAccount("bidder2", "杨帆", Role.BIDDER, "bidder2", "13800000005", ("trading",)),
    DemoAccount("bidder3", "黄磊", Role.BIDDER, "bidder3", "13800000006", ("trading",)),
    DemoAccount("newcomer", "周婷", Role.BIDDER, "newcomer", "13800000007", ("trading",)),
    DemoAccount("expert1", "吴建国", Role.EXPERT, None, "13800000008", ("trading",)),
    DemoAccount("expert2", "郑丽华", Role.EXPERT, None, "13800000009", ("trading",)),
    DemoAccount("regulator", "王强", Role.REGULATOR, "regulator", "13800000010", ("supervision",)),
    DemoAccount("leader", "马志远", Role.CITY_LEADER, None, "13800000011", ("supervision", "appraisal", "center")),
    DemoAccount("appraiser", "孙晓明", Role.APPRAISER, "appraiser", "13800000012", ("appraisal",)),
    DemoAccount("dept", "何敏", Role.DEPARTMENT_USER, "department", "13800000013", ("center", "appraisal")),
    DemoAccount("legalaid", "段雪梅", Role.LEGAL_AID_STAFF, None, "13800000020", ("center",)),
]


def _login_platform(account: DemoAccount, platforms: list[str]) -> str | None:
    """The platform where ``account`` signs in among ``platforms``, or None if none admits it."""
    meta = settings.ZHENGWU_PLATFORM_META
    candidates = [p for p in account.platforms if p in platforms]
    candidates += [p for p in platforms if p not in candidates]
    for name in candidates:
        if account.role in meta[name]["login_roles"]:
            return name
    return None


def _organisation(spec: DemoOrganisation, *, account: DemoAccount, by: Actor) -> tuple[Organisation, User | None]:
    """The demo organisation, created if missing; with its account when registration made one."""
    existing = Organisation.objects.filter(uscc=spec.uscc).first()
    if existing is not None:
        return existing, None
    if spec.market_roles:
        # Market subjects go the way real ones do: self-registration, then staff verify.
        organisation, user = enterprise_register(
            uscc=spec.uscc,
            name=spec.name,
            market_roles=list(spec.market_roles),
            contact_name=account.display_name,
            contact_phone=account.phone,
            username=account.username,
            password=DEMO_PASSWORD,
            display_name=account.display_name,
            phone=account.phone,
            ip=None,
        )
        user_mark_demo(user=user, by=Actor.system("demo"))
        if spec.verified:
            organisation = organisation_verify(organisation=organisation, by=by)
        return organisation, user
    return organisation_create(uscc=spec.uscc, name=spec.name, by=by), None


def demo_load(*, platforms: list[str]) -> list[dict[str, Any]]:
    """Create the demo organisations and accounts the given platforms need; return the accounts.

    Each returned item is ``{username, display_name, role, role_label, platform, login_url, needs_totp}``.
    """
    system = Actor.system("demo")
    organisations = {spec.key: spec for spec in ORGANISATIONS}
    wanted: list[tuple[DemoAccount, str]] = []
    for account in ACCOUNTS:
        platform = _login_platform(account, platforms)
        if platform is not None:
            wanted.append((account, platform))
    # Staff first: they verify the market subjects, as they would on a real installation.
    wanted.sort(key=lambda item: item[0].role != Role.CENTRE_STAFF)
    staff_actor: Actor | None = None
    out: list[dict[str, Any]] = []
    for account, platform in wanted:
        by = staff_actor or system
        user = User.objects.filter(username=account.username).first()
        if user is None:
            organisation: Organisation | None = None
            if account.organisation is not None:
                organisation, user = _organisation(organisations[account.organisation], account=account, by=by)
            if user is None:
                user = user_create(
                    username=account.username,
                    password=DEMO_PASSWORD,
                    display_name=account.display_name,
                    roles=[account.role],
                    organisation=organisation,
                    phone=account.phone,
                    is_demo=True,
                    by=system,
                )
            if account.role in TOTP_REQUIRED_ROLES and not user.totp_enrolled:
                totp_enrol_demo(user=user, secret=demo_totp_secret(account.username), by=system)
        if account.role == Role.CENTRE_STAFF:
            staff_actor = actor_for(user=user)
        prefix = settings.ZHENGWU_PLATFORM_META[platform]["prefix"]
        out.append(
            {
                "username": account.username,
                "display_name": account.display_name,
                "role": str(account.role),
                "role_label": ROLE_LABELS[account.role],
                "platform": platform,
                "login_url": f"/{prefix}accounts/login/",
                "needs_totp": account.role in TOTP_REQUIRED_ROLES,
            }
        )
    return out
