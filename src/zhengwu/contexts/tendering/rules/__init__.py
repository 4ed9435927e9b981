"""The law's clock for every procedure: pure rules over plain data, no ORM, no I/O.

A procedure (工程公开招标, 竞争性磋商, 土地挂牌 …) is not a copy of code but a ``RuleSet``: its minimum
periods, clarification lead time, objection windows, bid-security cap, minimum number of bids and
who approves its notices. Rule sets are versioned; a tender keeps the set in force on the day it was
published (``ruleset_for``), and a stored version is found again with ``ruleset_get``.

Every number carries the article it comes from and how far that article was checked (``source``):

- ``law``: wording and article number checked against the full text in shared/reference/laws/;
- ``web``: the rule comes from a secondary reprint of a ministerial rule (部门规章/规范性文件) whose
  full text the project does not hold — probably right, to be re-checked against the gazette;
- ``gk``: general knowledge, including every article number of 财政部令74号/87号/110号,
  国土资源部令39号 and 国资委·财政部令32号. Each such number is a field of the rule set, so a
  corrected value is a new rule-set version, not a code change.

How days are counted (民法典 第二百零一条、第二百零三条, see ``zhengwu.kernel.workdays``):

- An *interval* between two events ("自招标文件开始发出之日起至投标截止之日止不得少于20日",
  "投标截止时间至少15日前") does not count the day of the first event: documents first issued on
  1 March allow a bid deadline on 21 March at the earliest, at any time of that day. Working-day
  intervals count the working days after the first day up to and including the second
  (``WorkCalendar.workdays_between``).
- A *span* during which something lasts (发售期, 公示期, 挂牌期, 信息披露期) is counted the same way by
  default. Many notices count the first day ("3月1日至3月5日" as five days); the reference leaves
  the convention unverified (ebidding-rules.md §3.0, §11 item 9), so ``RuleSet.span_start_day_counts``
  switches to that reading. The default is the strict one: lawful under either reading.
- A duty "within N days" (reply to an objection) ends at 24:00 of the N-th day after the day it
  arose, moved off a rest day (民法典 第二百零三条); ``period_deadline`` gives that instant as an
  exclusive bound.
- Comparisons are by Beijing date: a bid deadline counts on the day it falls, whatever the hour.

Datetimes must be timezone-aware (they are converted to China Standard Time); naive ones are
refused with ``InvalidInput(code="datetime_naive")``.
"""

from __future__ import annotations

from zhengwu.contexts.tendering.rules.lifecycle import (
    SHORTCUTS,
    TRANSITIONS,
    transition_check,
)
from zhengwu.contexts.tendering.rules.limits import (
    bid_security_check,
    bids_insufficient_outcome,
    bids_sufficient,
    competition_required,
    invitees_sufficient,
    notice_approval_roles,
    prequal_passed_sufficient,
    security_from_ratio,
    security_ratio_parse,
)
from zhengwu.contexts.tendering.rules.model import (
    APPROVER_LABELS,
    CALENDAR,
    CGF,
    CGTL,
    GZF,
    INSUFFICIENT_OUTCOME_LABELS,
    MLR_39,
    MOF_74,
    MOF_87,
    MOF_110,
    MOF_214,
    OBJECTION_KIND_LABELS,
    PLATFORM,
    SASAC_32,
    SOURCE_LABELS,
    STATUS_LABELS,
    WORKING,
    ZBF,
    ZBTL,
    Cap,
    Citation,
    Count,
    Counting,
    InsufficientOutcome,
    Limit,
    ObjectionKind,
    ObjectionRule,
    Period,
    Procedure,
    RegistrationRule,
    RuleSet,
    RuleViolation,
    SectionStatus,
    Source,
    TradeType,
    Unit,
    Window,
    procedure_trade_type,
)
from zhengwu.contexts.tendering.rules.periods import (
    PublicityKind,
    Stage,
    Timetable,
    amendment_check,
    amendment_deadline,
    candidate_publicity_due,
    objection_reply_due,
    objection_window_check,
    prequalification_check,
    publicity_check,
    publicity_last_day_min,
    timetable_check,
    timetable_compute,
)
from zhengwu.contexts.tendering.rules.registration import (
    deposit_amount,
    deposit_check,
    registration_check,
    registration_deadline,
    registration_opens,
    registration_rule,
)
from zhengwu.contexts.tendering.rules.rulesets import (
    RULESETS,
    ruleset_for,
    ruleset_get,
    ruleset_select,
)
from zhengwu.contexts.tendering.rules.suspension import (
    doc_issue_resume,
)
from zhengwu.contexts.tendering.rules.table import (
    rules_table,
)

__all__ = [
    "APPROVER_LABELS",
    "CALENDAR",
    "CGF",
    "CGTL",
    "GZF",
    "INSUFFICIENT_OUTCOME_LABELS",
    "MLR_39",
    "MOF_74",
    "MOF_87",
    "MOF_110",
    "MOF_214",
    "OBJECTION_KIND_LABELS",
    "PLATFORM",
    "RULESETS",
    "SASAC_32",
    "SHORTCUTS",
    "SOURCE_LABELS",
    "STATUS_LABELS",
    "TRANSITIONS",
    "WORKING",
    "ZBF",
    "ZBTL",
    "Cap",
    "Citation",
    "Count",
    "Counting",
    "InsufficientOutcome",
    "Limit",
    "ObjectionKind",
    "ObjectionRule",
    "Period",
    "Procedure",
    "PublicityKind",
    "RegistrationRule",
    "RuleSet",
    "RuleViolation",
    "SectionStatus",
    "Source",
    "Stage",
    "Timetable",
    "TradeType",
    "Unit",
    "Window",
    "amendment_check",
    "amendment_deadline",
    "bid_security_check",
    "bids_insufficient_outcome",
    "bids_sufficient",
    "candidate_publicity_due",
    "competition_required",
    "deposit_amount",
    "deposit_check",
    "doc_issue_resume",
    "invitees_sufficient",
    "notice_approval_roles",
    "objection_reply_due",
    "objection_window_check",
    "prequal_passed_sufficient",
    "prequalification_check",
    "procedure_trade_type",
    "publicity_check",
    "publicity_last_day_min",
    "registration_check",
    "registration_deadline",
    "registration_opens",
    "registration_rule",
    "rules_table",
    "ruleset_for",
    "ruleset_get",
    "ruleset_select",
    "security_from_ratio",
    "security_ratio_parse",
    "timetable_check",
    "timetable_compute",
    "transition_check",
]
