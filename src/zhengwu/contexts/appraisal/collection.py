"""Collection: the questionnaire behind an invitation, respondent verification and the submission of answers.

A respondent reaches the questionnaire by the invitation's token alone (web), or a telephone
interviewer of the evaluator enters the answers on the respondent's behalf (CATI). Either way
``response_submit`` is the one door: it verifies the enterprise by its USCC against the
invitation's frame entry, checks the answers against the round's indicator system with the
skip logic evaluated on the server (``skiplogic``), is idempotent on the client's
``instance_id`` (appraisal-methods.md §5.1), keeps problems as ``Problem`` rows and runs the QC
checks that need no other response.

The respondent's USCC is kept (the evaluator's raw data) but analysis and QC compare only its
keyed pseudonym, ``respondent_key``; the audit log records that a response arrived, never what
it says.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import transaction
from django.db.models import Q

from zhengwu.contexts.appraisal.access import APPRAISER, raw_view_audit
from zhengwu.contexts.appraisal.models import Invitation, Problem, Response, Round
from zhengwu.contexts.appraisal.qc import QcItems, QcRecord, flags_response
from zhengwu.contexts.appraisal.rounds import invitation_outcome_record
from zhengwu.contexts.appraisal.skiplogic import relevant_evaluate
from zhengwu.contexts.appraisal.system import CategoryDef, ItemDef, SystemDef
from zhengwu.contexts.appraisal.systems import system_def
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from zhengwu.kernel.paging import Page, page_take
from zhengwu.kernel.uscc import uscc_normalize, uscc_validate
from zhengwu.platform.audit.services import audit_append

RATING_CHOICES = (
    ("5", "非常满意"),
    ("4", "满意"),
    ("3", "基本满意"),
    ("2", "不满意"),
    ("1", "非常不满意"),
    ("na", "不了解/未办理"),
)
YES_NO_CHOICES = (("yes", "是"), ("no", "否"), ("na", "不了解/未办理"))
ANSWERABLE_KINDS = ("rating5", "yes_no", "select_one", "text", "problem")
TEXT_MAX = 500
PROBLEM_MAX = 1000
PROBLEMS_MAX = 3
# Client timings are paradata: a tab left open must not make an interview look slow for hours.
TIMING_ITEM_MAX_MS = 30 * 60 * 1000
DURATION_MAX_MS = 4 * 60 * 60 * 1000
INSTANCE_ID = re.compile(r"[A-Za-z0-9:_\-]{8,64}")
TOPIC_SUFFIX = "__topic"
EXTRA = "__"  # a problem item's further entries: ``name__2``, ``name__3``
PENDING = (Invitation.Status.DRAWN, Invitation.Status.SENT, Invitation.Status.OPENED)
OUTCOMES = (Invitation.Status.REFUSED, Invitation.Status.UNREACHABLE)
CATI_PAGE_SIZE = 50

_HKDF_SALT = b"zhengwu.appraisal.respondent"
_KEY_INFO = b"respondent-uscc-hmac-sha256-v1"
# Who the audit log names for a submission nobody signed in for: the respondent, whom it must not identify.
_RESPONDENT = Actor(user_id=None, username="respondent", display_name="受访企业", roles=frozenset({"respondent"}))


# --- the questionnaire -----------------------------------------------------------------------------


def invitation_by_token(*, token: str) -> Invitation:
    """The invitation behind a link; NotFound (saying nothing more) for an unknown token or an unreleased reserve."""
    invitation = None
    if token and len(token) <= 64:
        invitation = (
            Invitation.objects.select_related("round", "round__system", "unit", "frame_entry")
            .filter(token=token)
            .first()
        )
    if invitation is None or (invitation.reserve and not invitation.released):
        raise NotFound("该评价链接无效，请核对短信或邮件中的链接", code="appraisal_invitation_not_found")
    return invitation


def _system(invitation: Invitation) -> SystemDef:
    return system_def(system=invitation.round.system)


def questionnaire_for(*, invitation: Invitation) -> list[ItemDef]:
    """The items a respondent about the invitation's unit answers, in order."""
    return _system(invitation).items_for(invitation.unit.kind)


def questionnaire_topics(*, invitation: Invitation) -> list[CategoryDef]:
    """The categories a problem may concern: those of the round's system that apply to the unit's kind."""
    return [c for c in _system(invitation).categories if c.applies_to in ("all", invitation.unit.kind)]


def qc_items_for(system: SystemDef) -> QcItems:
    """Which items of ``system`` the QC checks read.

    All of them, for both kinds of unit: a response holds answers to its own kind's items only,
    so the others count as unanswered, and every comparison is within one unit anyway.
    """
    items = system.items
    return QcItems(
        ratings=tuple(i.name for i in items if i.kind == "rating5"),
        categorical=tuple(i.name for i in items if i.kind in ("rating5", "yes_no", "select_one")),
        scoring=dict(system.scoring),
    )


# --- pure checks of the answers --------------------------------------------------------------------


def answers_relevant(items: Sequence[ItemDef], answers: Mapping[str, str]) -> tuple[dict[str, str], set[str]]:
    """Apply the skip logic: (the answers of shown items, the names of shown items).

    Items are evaluated in order against the answers still standing; a hidden item's answer is
    dropped before the next item is evaluated (questionnaire.js clears it the same way), and
    passes repeat until nothing changes, for conditions that look forward.
    """
    current = dict(answers)
    shown: set[str] = set()
    for _ in range(len(items) + 1):
        changed = False
        shown = set()
        for item in items:
            if relevant_evaluate(item.relevant, current):
                shown.add(item.name)
            elif item.name in current:
                del current[item.name]
                changed = True
        if not changed:
            break
    return current, shown


def _choices(item: ItemDef) -> tuple[str, ...]:
    if item.kind == "rating5":
        return tuple(v for v, _ in RATING_CHOICES)
    if item.kind == "yes_no":
        return tuple(v for v, _ in YES_NO_CHOICES)
    return tuple(v for v, _ in item.choices)


def problem_topic_items(items: Sequence[ItemDef], categories: Sequence[CategoryDef]) -> dict[str, str]:
    """Problem item → the item that asks its topic: the next single-choice item whose choices are category codes.

    The default system asks "您反映的问题主要涉及哪一方面？" right after the problem, with the
    categories as choices; a system without such an item gets a topic list from the page instead.
    """
    codes = {c.code for c in categories}
    out: dict[str, str] = {}
    for i, item in enumerate(items):
        if item.kind != "problem":
            continue
        for later in items[i + 1 :]:
            if later.kind == "problem":
                break
            if later.kind == "select_one" and later.choices and {v for v, _ in later.choices} <= codes:
                out[item.name] = later.name
                break
    return out


def problem_entries(item: ItemDef) -> tuple[str, ...]:
    """The answer names one problem item offers: itself and its extra entries (``name__2``, ``name__3``)."""
    return (item.name, *(f"{item.name}{EXTRA}{n}" for n in range(2, PROBLEMS_MAX + 1)))


@dataclass(frozen=True)
class CleanAnswers:
    """Answers that passed the checks, and the problems in them."""

    answers: dict[str, str]  # what is stored: shown items' answers and extra problem entries
    problems: list[tuple[str, str, str]]  # (answer name, text, topic code or "")
    topics: dict[str, str]  # answer name → topic chosen on the page (hashed with the answers)


def answers_clean(
    *,
    items: Sequence[ItemDef],
    categories: Sequence[CategoryDef],
    answers: Mapping[str, str],
    topics: Mapping[str, str] | None = None,
    all_categories: Sequence[CategoryDef] | None = None,
) -> CleanAnswers:
    """Check answers against the items.

    Unknown names are refused; answers of items the skip logic hides are dropped; every shown,
    required item must be answered; values must be among the item's choices; texts have limits.
    A problem item takes up to three problems (``name``, ``name__2``, ``name__3``, each only
    after the one before), at most three per response; a problem's topic is the one chosen for
    it on the page (``topics``), else the answer of the system's topic item, else none.
    """
    by_name = {i.name: i for i in items}
    extra_names = {n: item for item in items if item.kind == "problem" for n in problem_entries(item)[1:]}
    given = {str(k): str(v).strip() for k, v in answers.items() if str(v).strip()}
    extras = {k: v for k, v in given.items() if k in extra_names and k not in by_name}
    unknown = sorted(
        k for k in given if k not in extras and (k not in by_name or by_name[k].kind not in ANSWERABLE_KINDS)
    )
    if unknown:
        raise InvalidInput(
            f"问卷中没有这些题目：{'、'.join(unknown[:5])}", code="appraisal_answer_unknown", detail={"names": unknown}
        )
    kept, shown = answers_relevant(items, {k: v for k, v in given.items() if k not in extras})
    for number, item in enumerate(items, start=1):
        value = kept.get(item.name)
        if value is None:
            if item.name in shown and item.required and item.kind in ANSWERABLE_KINDS:
                raise InvalidInput(
                    f"请回答第{number}题：{item.label}", code="appraisal_answer_required", detail={"name": item.name}
                )
            continue
        if item.kind in ("text", "problem"):
            limit = PROBLEM_MAX if item.kind == "problem" else TEXT_MAX
            if len(value) > limit:
                raise InvalidInput(
                    f"第{number}题的回答超过{limit}字", code="appraisal_answer_too_long", detail={"name": item.name}
                )
        elif value not in _choices(item):
            raise InvalidInput(
                f"第{number}题的答案“{value[:20]}”不是可选项",
                code="appraisal_answer_invalid",
                detail={"name": item.name},
            )
    entries: list[str] = []
    for item in items:
        if item.kind != "problem":
            continue
        for name in problem_entries(item):
            text = kept.get(name) if name == item.name else extras.get(name)
            if not text:
                break  # an extra entry counts only after the one before it
            if len(text) > PROBLEM_MAX:
                raise InvalidInput(
                    f"问题描述超过{PROBLEM_MAX}字", code="appraisal_answer_too_long", detail={"name": name}
                )
            kept[name] = text
            entries.append(name)
    if len(entries) > PROBLEMS_MAX:
        raise InvalidInput(f"每份问卷最多反映{PROBLEMS_MAX}个问题", code="appraisal_too_many_problems")
    codes = {c.code for c in categories}
    chosen: dict[str, str] = {}
    for name, code in (topics or {}).items():
        code = str(code).strip()
        if name not in entries or not code:
            continue  # the topic of a problem left empty (or hidden) goes with it
        if code not in codes:
            raise InvalidInput("问题所涉及的方面无效", code="appraisal_problem_topic", detail={"name": name})
        chosen[name] = code
    topic_items = problem_topic_items(items, all_categories or categories)
    problems = []
    for name in entries:
        topic = chosen.get(name) or kept.get(topic_items.get(name, ""), "")
        problems.append((name, kept[name], topic))
    return CleanAnswers(answers=kept, problems=problems, topics=chosen)


def _bigrams(text: str) -> set[str]:
    letters = "".join(ch for ch in text if ch.isalnum())
    return {letters[i : i + 2] for i in range(len(letters) - 1)}


def problem_category_guess(text: str, categories: Sequence[CategoryDef]) -> str:
    """The category whose name best matches ``text`` (shared two-character words, rarer words weigh more); '' if none.

    A first cut for problems the respondent gave no topic (appraisal-methods.md §2.10: start with
    a keyword rule; the evaluator's coders correct it).
    """
    grams = {c.code: _bigrams(c.name) for c in categories}
    frequency: dict[str, int] = {}
    for words in grams.values():
        for word in words:
            frequency[word] = frequency.get(word, 0) + 1
    found = _bigrams(text)
    best, best_score = "", 0.0
    for category in categories:
        score = sum(1.0 / frequency[w] for w in grams[category.code] & found)
        if score > best_score:
            best, best_score = category.code, score
    return best


def timings_clean(timings: Mapping[str, Any], names: set[str]) -> dict[str, int]:
    """Milliseconds per shown item, each capped; anything else the client sent is dropped (paradata, not answers)."""
    out: dict[str, int] = {}
    for name, raw in timings.items():
        if name not in names:
            continue
        try:
            ms = int(float(raw))
        except (TypeError, ValueError, OverflowError):
            continue
        out[name] = min(max(ms, 0), TIMING_ITEM_MAX_MS)
    return out


def respondent_key(*, uscc: str) -> str:
    """The keyed pseudonym of an enterprise (HMAC-SHA256 of its normalised USCC under a key derived from SECRET_KEY).

    A plain hash would not do: USCCs are structured enough to enumerate. Rotating SECRET_KEY
    changes the pseudonyms; responses of earlier rounds then no longer match later ones.
    """
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=_KEY_INFO).derive(
        settings.SECRET_KEY.encode("utf-8")
    )
    return hmac.new(key, uscc_normalize(uscc).encode("utf-8"), hashlib.sha256).hexdigest()


def content_hash_of(*, answers: Mapping[str, str], topics: Mapping[str, str]) -> str:
    """The hash of what a response says (not who said it): equal answers give equal hashes."""
    canonical = json.dumps(
        {"answers": answers, "topics": topics}, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --- writes ----------------------------------------------------------------------------------------


def invitation_open_record(*, invitation: Invitation) -> None:
    """Note the first time the questionnaire of an invitation was opened (for response-rate tracking)."""
    if invitation.opened_at is not None or invitation.status not in PENDING:
        return
    with transaction.atomic():
        now = clock_now()
        updated = Invitation.objects.filter(pk=invitation.pk, opened_at__isnull=True, status__in=PENDING).update(
            opened_at=now, status=Invitation.Status.OPENED
        )
        if updated:
            audit_append(
                actor=_RESPONDENT,
                action="appraisal.invitation.open",
                object_type="appraisal.invitation",
                object_id=str(invitation.pk),
                after={"round": invitation.round.code, "unit": invitation.unit.code},
            )
    invitation.refresh_from_db(fields=["opened_at", "status"])


def _uscc_verify(*, uscc: str, invitation: Invitation) -> tuple[str, bool]:
    """(the normalised code, whether it passes GB 32100); refused unless it is the invited enterprise's."""
    code = uscc_normalize(uscc or "")
    verdict = uscc_validate(code)
    if code != uscc_normalize(invitation.frame_entry.uscc):
        if not verdict.valid:
            message = f"统一社会信用代码有误：{verdict.reason}"
        else:
            message = "统一社会信用代码与受邀企业不符，请核对后重新输入"
        raise InvalidInput(message, code="appraisal_uscc_mismatch")
    return code, verdict.valid


def response_submit(
    *,
    invitation: Invitation,
    uscc: str,
    answers: Mapping[str, str],
    timings: Mapping[str, Any],
    instance_id: str,
    started_at: dt.datetime | None,
    mode: str = "web",
    by: Actor | None = None,
    topics: Mapping[str, str] | None = None,
) -> Response:
    """Accept one questionnaire for an invitation; the same ``instance_id`` with the same content returns the first.

    Web: anyone holding the link (``by`` is None). CATI: an interviewer of the evaluator
    (``appraiser``) enters what the respondent says, its own interviews or unassigned ones.
    Refusals: ``appraisal_round_not_collecting``, ``appraisal_uscc_mismatch``, the answer checks
    of ``answers_clean``, ``appraisal_instance_conflict`` (the id reused for other content),
    ``appraisal_already_answered``; nothing is stored when refused.
    """
    if mode not in Response.Mode.values:
        raise InvalidInput("作答方式无效", code="appraisal_mode", detail={"mode": mode})
    if mode == Response.Mode.CATI and (by is None or not by.has_role(APPRAISER)):
        raise PermissionDenied("只有第三方评价机构的电话访员可以代为录入问卷", code="appraisal_interviewer_only")
    instance_id = (instance_id or "").strip()
    if not INSTANCE_ID.fullmatch(instance_id):
        raise InvalidInput("答卷编号无效，请刷新页面后重新提交", code="appraisal_instance_id")
    round_ = Round.objects.select_related("system").get(pk=invitation.round_id)
    if round_.status != Round.Status.COLLECTING:
        raise Conflict("本轮调查未在进行中，暂不能提交问卷", code="appraisal_round_not_collecting")
    system = system_def(system=round_.system)
    kind = invitation.unit.kind
    items = system.items_for(kind)
    categories = [c for c in system.categories if c.applies_to in ("all", kind)]
    code, uscc_valid = _uscc_verify(uscc=uscc, invitation=invitation)
    clean = answers_clean(
        items=items, categories=categories, answers=answers, topics=topics, all_categories=system.categories
    )
    kept = clean.answers
    key = respondent_key(uscc=code)
    content_hash = content_hash_of(answers=kept, topics=clean.topics)
    timed = timings_clean(timings, set(kept))
    duration = min(sum(timed.values()), DURATION_MAX_MS)
    interviewer = by.username if mode == Response.Mode.CATI and by is not None else ""

    with transaction.atomic():
        locked = Invitation.objects.select_for_update().select_related("unit", "frame_entry").get(pk=invitation.pk)
        existing = Response.objects.filter(instance_id=instance_id).first()
        if existing is not None:
            if (existing.invitation_id, existing.content_hash, existing.respondent_key) == (
                locked.pk,
                content_hash,
                key,
            ):
                return existing
            raise Conflict(
                "该答卷编号已提交过内容不同的答卷，请刷新页面后重新作答",
                code="appraisal_instance_conflict",
                detail={"instance_id": instance_id},
            )
        if locked.status == Invitation.Status.COMPLETED or Response.objects.filter(invitation=locked).exists():
            raise Conflict("该邀请已完成作答，感谢参与", code="appraisal_already_answered")
        if locked.reserve and not locked.released:
            raise Conflict("该邀请尚未启用", code="appraisal_invitation_not_released")
        if interviewer and locked.interviewer_username not in ("", interviewer):
            raise PermissionDenied("该访问已分配给其他访员", code="appraisal_not_your_interview")
        now = clock_now()
        frame_match = True  # verified above: the code is the frame entry's
        record = QcRecord(
            id=0,
            unit=locked.unit.code,
            respondent_key=key,
            content_hash=content_hash,
            answers=kept,
            timings=timed,
            duration_ms=duration,
            mode=mode,
            interviewer=interviewer,
            uscc_valid=uscc_valid,
            frame_match=frame_match,
        )
        flags = flags_response(record, qc_items_for(system))
        response = Response.objects.create(
            round=round_,
            unit=locked.unit,
            invitation=locked,
            instance_id=instance_id,
            mode=mode,
            interviewer_username=interviewer,
            respondent_uscc=code,
            respondent_name=locked.frame_entry.enterprise_name,
            respondent_key=key,
            uscc_valid=uscc_valid,
            frame_match=frame_match,
            answers=kept,
            timings=timed,
            duration_ms=duration,
            content_hash=content_hash,
            started_at=started_at,
            submitted_at=now,
            qc_status=Response.Qc.FLAGGED if flags else Response.Qc.CLEAN,
            qc_flags=flags,
        )
        for _, text, topic in clean.problems:
            Problem.objects.create(
                round=round_,
                unit=locked.unit,
                response=response,
                text=text,
                category_code=topic if topic else problem_category_guess(text, categories),
                classified_by="respondent" if topic else "rule",
                created_at=now,
            )
        locked.status = Invitation.Status.COMPLETED
        locked.completed_at = now
        locked.opened_at = locked.opened_at or now
        if interviewer and not locked.interviewer_username:
            locked.interviewer_username = interviewer
        locked.save(update_fields=["status", "completed_at", "opened_at", "interviewer_username"])
        audit_append(
            actor=by or _RESPONDENT,
            action="appraisal.response.submit",
            object_type="appraisal.response",
            object_id=instance_id,
            after={
                "round": round_.code,
                "unit": locked.unit.code,
                "mode": mode,
                "answered": len(kept),
                "qc_flags": [f["code"] for f in flags],
            },
        )
    return response


# --- telephone interviews (CATI) -------------------------------------------------------------------


def _interviewer_require(by: Actor) -> None:
    if not by.has_role(APPRAISER):
        raise PermissionDenied("只有第三方评价机构的电话访员可以进行电话访问", code="appraisal_interviewer_only")


def cati_invitations(*, by: Actor, page: int = 1, size: int = CATI_PAGE_SIZE) -> Page[Invitation]:
    """Telephone interviews still to do in collecting rounds: the interviewer's own and the unassigned ones."""
    _interviewer_require(by)
    rows = (
        Invitation.objects.filter(
            round__status=Round.Status.COLLECTING,
            channel=Invitation.Channel.CATI,
            released=True,
            status__in=PENDING,
        )
        .filter(Q(interviewer_username=by.username) | Q(interviewer_username=""))
        .select_related("round", "unit", "frame_entry")
        .order_by("round__code", "unit__code", "pk")
    )
    return page_take(rows, page=max(page, 1), size=size)


def cati_invitation_get(*, invitation_id: int, by: Actor) -> Invitation:
    """One telephone interview with the enterprise's contact; the view of the contact is audited."""
    _interviewer_require(by)
    invitation = (
        Invitation.objects.select_related("round", "round__system", "unit", "frame_entry")
        .filter(pk=invitation_id, channel=Invitation.Channel.CATI)
        .filter(Q(interviewer_username=by.username) | Q(interviewer_username=""))
        .first()
    )
    if invitation is None:
        raise NotFound("未找到该电话访问任务", code="appraisal_interview_not_found")
    raw_view_audit(by=by, what="invitation", object_id=str(invitation.pk), detail={"round": invitation.round.code})
    return invitation


def cati_outcome_record(*, invitation: Invitation, outcome: str, by: Actor) -> Invitation:
    """An interview that cannot happen: 拒访 (``refused``) or 无法联系 (``unreachable``); the invitation as it now is.

    Recorded by the rounds module's ``invitation_outcome_record``, which also releases a reserve
    of the stratum.
    """
    _interviewer_require(by)
    if outcome not in OUTCOMES:
        raise InvalidInput("访问结果只能是“拒访”或“无法联系”", code="appraisal_outcome", detail={"outcome": outcome})
    if invitation.interviewer_username not in ("", by.username):
        raise PermissionDenied("该访问已分配给其他访员", code="appraisal_not_your_interview")
    invitation_outcome_record(invitation=invitation, outcome=outcome, by=by)
    invitation.refresh_from_db()
    return invitation
