"""A rule set as rows people read, with the article behind each number."""

from __future__ import annotations

from zhengwu.contexts.tendering.rules.limits import _percent_text
from zhengwu.contexts.tendering.rules.model import (
    APPROVER_LABELS,
    INSUFFICIENT_OUTCOME_LABELS,
    OBJECTION_KIND_LABELS,
    PLATFORM,
    Limit,
    RuleSet,
    Source,
)


def rules_table(*, ruleset: RuleSet) -> list[dict[str, str]]:
    """The rule set as rows for a page or a report: what, value, article, how it was checked."""
    rows: list[dict[str, str]] = []

    def add(what: str, value: str, article: str, source: Source) -> None:
        rows.append({"rule": what, "value": value, "article": article, "source": source})

    def limit(what: str, item: Limit | None, prefix: str = "≥") -> None:
        if item is not None:
            add(what, f"{prefix}{item.period.label()}", item.article, item.source)

    limit("文件发售（提供）期", ruleset.doc_issue_min)
    since = "文件开始发出" if ruleset.bid_period_from == "doc_issue" else "公告发布"
    limit(f"自{since}至截止", ruleset.bid_period_min)
    limit("公告发布至投标/拍卖/挂牌开始", ruleset.notice_to_start_min)
    limit("挂牌期", ruleset.listing_period_min)
    limit("澄清或修改距截止时间", ruleset.clarification_lead)
    limit("资格预审文件发售期", ruleset.prequal_doc_issue_min)
    limit("资格预审申请文件递交时间", ruleset.prequal_application_min)
    limit("资格预审文件澄清或修改距截止时间", ruleset.prequal_clarification_lead)
    if ruleset.prequal_passed_min is not None:
        item = ruleset.prequal_passed_min
        add("通过资格预审的申请人", f"≥{item.value}", item.article, item.source)
    for rule in ruleset.objections:
        label = OBJECTION_KIND_LABELS.get(rule.kind, rule.kind)
        window = {
            "before_deadline": f"截止时间{rule.window_period.label() if rule.window_period else ''}前提出",
            "on_the_spot": "开标现场提出",
            "within_publicity": "公示期间提出",
            "after_reference": f"知道或应知之日起{rule.window_period.label() if rule.window_period else ''}内提出",
            "any_time": "随时",
        }[rule.window]
        add(f"{label}：期限", window, rule.window_article, rule.source)
        reply = "当场答复" if rule.reply is None else f"{rule.reply.label()}内答复"
        if rule.reply_from == "publicity_end":
            reply = f"公示期满后{reply}"
        if rule.suspends:
            reply += "，答复前暂停"
        add(f"{label}：答复", reply, rule.reply_article, rule.source)
    limit("中标候选人公示期", ruleset.candidate_publicity_min)
    limit("收到评标报告后公示中标候选人", ruleset.candidate_publicity_publish_within, prefix="≤")
    limit("结果公告期", ruleset.result_publicity_min)
    if ruleset.bid_security_cap is not None:
        cap = ruleset.bid_security_cap
        add("投标保证金上限", f"≤{cap.basis}的{_percent_text(cap.ratio)}", cap.article, cap.source)
    item = ruleset.bids_min
    outcome = INSUFFICIENT_OUTCOME_LABELS.get(ruleset.bids_insufficient, ruleset.bids_insufficient.value)
    add("最少投标（响应）人数", f"≥{item.value}（不足：{outcome}）", item.article, item.source)
    if ruleset.invitees_min is not None:
        item = ruleset.invitees_min
        add("最少邀请人数", f"≥{item.value}", item.article, item.source)
    if ruleset.competition_min is not None:
        item = ruleset.competition_min
        add("公开竞价", f"合格受让方≥{item.value}", item.article, item.source)
    if ruleset.registration is not None:
        reg = ruleset.registration
        add("竞买申请截止", f"截止时间前{reg.close_before.label()}", reg.close_article, reg.source)
        add("竞买保证金到账", "竞买申请截止前足额到账", reg.deposit_article, reg.source)
    if ruleset.opening_at_deadline is not None:
        cited = ruleset.opening_at_deadline
        add("开标时间", "与投标截止时间同一时间", cited.article, cited.source)
    approvers = "、".join(APPROVER_LABELS.get(role, role) for role in ruleset.notice_approval_roles)
    add("公告发布前审核", approvers, PLATFORM, "gk")
    if ruleset.deadline_on_workday:
        add("截止日、开标日", "工作日", f"{PLATFORM}；《民法典》第二百零三条", "gk")
    return rows
