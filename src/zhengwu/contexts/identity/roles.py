"""The roles people hold on the platforms. Plain data, no Django."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CENTRE_STAFF = "centre_staff"  # 交易中心工作人员
    TENDERER = "tenderer"  # 招标人/采购人
    AGENCY = "agency"  # 招标代理机构
    BIDDER = "bidder"  # 投标人/供应商
    EXPERT = "expert"  # 评标专家
    REGULATOR = "regulator"  # 行政监督
    APPRAISER = "appraiser"  # 第三方评价机构人员
    CITY_LEADER = "city_leader"  # 市领导
    DEPARTMENT_USER = "department_user"  # 部门用户
    PUBLIC = "public"  # 社会公众
    LEGAL_AID_STAFF = "legal_aid_staff"  # 法律援助工作人员


ROLE_LABELS: dict[str, str] = {
    Role.CENTRE_STAFF: "交易中心工作人员",
    Role.TENDERER: "招标人/采购人",
    Role.AGENCY: "招标代理机构",
    Role.BIDDER: "投标人/供应商",
    Role.EXPERT: "评标专家",
    Role.REGULATOR: "行政监督人员",
    Role.APPRAISER: "第三方评价人员",
    Role.CITY_LEADER: "市领导",
    Role.DEPARTMENT_USER: "部门用户",
    Role.PUBLIC: "社会公众",
    Role.LEGAL_AID_STAFF: "法律援助工作人员",
}

# Roles an organisation holds in the market. They are published to the other platforms in
# MarketSubjectChanged; a person holds one only as a member of an organisation holding it.
MARKET_ROLES = frozenset({Role.TENDERER, Role.AGENCY, Role.BIDDER})

# Roles an enterprise may take by registering itself; staff verify it before it may act.
SELF_REGISTRATION_ROLES = MARKET_ROLES

# Roles that must pass a second factor (TOTP) at every sign-in: they can change or see what
# others cannot. Experts are included because their scores decide awards; legal-aid staff because
# they read applicants' identity numbers, incomes and phones.
TOTP_REQUIRED_ROLES = frozenset({Role.CENTRE_STAFF, Role.REGULATOR, Role.APPRAISER, Role.EXPERT, Role.LEGAL_AID_STAFF})
