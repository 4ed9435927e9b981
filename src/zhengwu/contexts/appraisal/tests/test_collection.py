"""Submitting a questionnaire: verification by USCC, the answer checks with skip logic, idempotency, CATI."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest

from zhengwu.contexts.appraisal.collection import (
    DURATION_MAX_MS,
    TIMING_ITEM_MAX_MS,
    cati_invitations,
    cati_outcome_record,
    invitation_by_token,
    invitation_open_record,
    problem_category_guess,
    questionnaire_for,
    respondent_key,
    response_submit,
)
from zhengwu.contexts.appraisal.models import Invitation, Problem, Response, Round
from zhengwu.contexts.appraisal.system import CategoryDef
from zhengwu.contexts.appraisal.tests.scene_collection import (
    APPRAISER,
    NOW,
    OTHER_INTERVIEWER,
    RATINGS,
    Scene,
    good_answers,
    scene_build,
    signed_in,
    timings_for,
    uscc_make,
    uscc_mutate,
)
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from zhengwu.platform.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

INSTANCE = "uuid:5b1f0a52-8a53-4d07-9a61-3c2f4f1e9d10"
STARTED = dt.datetime(2026, 7, 15, 1, 55, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@pytest.fixture
def scene() -> Scene:
    return scene_build(units=2)


def submit(invitation: Invitation, **overrides: Any) -> Response:
    answers = overrides.pop("answers", None) or good_answers()
    arguments: dict[str, Any] = {
        "invitation": invitation,
        "uscc": invitation.frame_entry.uscc,
        "answers": answers,
        "timings": timings_for(answers),
        "instance_id": INSTANCE,
        "started_at": STARTED,
    }
    arguments.update(overrides)
    return response_submit(**arguments)


def nothing_stored(invitation: Invitation) -> None:
    assert Response.objects.count() == 0
    assert Problem.objects.count() == 0
    invitation.refresh_from_db()
    assert (invitation.status, invitation.completed_at) == (Invitation.Status.DRAWN, None)
    assert AuditEntry.objects.filter(action="appraisal.response.submit").count() == 0


# --- the questionnaire -----------------------------------------------------------------------------


def test_an_invitation_is_found_by_its_token_only(scene: Scene) -> None:
    invitation = scene.invite()
    assert invitation_by_token(token=invitation.token).pk == invitation.pk
    for token in ("", "nope", invitation.token + "x", "x" * 300):
        with pytest.raises(NotFound) as caught:
            invitation_by_token(token=token)
        assert caught.value.code == "appraisal_invitation_not_found"
    reserve = scene.invite()
    Invitation.objects.filter(pk=reserve.pk).update(reserve=True, released=False)
    with pytest.raises(NotFound):
        invitation_by_token(token=reserve.token)


def test_the_questionnaire_is_the_round_systems_items_for_the_units_kind(scene: Scene) -> None:
    invitation = scene.invite()
    names = [item.name for item in questionnaire_for(invitation=invitation)]
    assert names == ["channel", *RATINGS, "r_online", "y_fee", "suggestion", "p1", "p1_topic", "p2"]


def test_opening_the_questionnaire_is_recorded_once(scene: Scene) -> None:
    invitation = scene.invite()
    invitation_open_record(invitation=invitation)
    invitation_open_record(invitation=invitation)
    invitation.refresh_from_db()
    assert (invitation.status, invitation.opened_at) == (Invitation.Status.OPENED, NOW)
    assert AuditEntry.objects.filter(action="appraisal.invitation.open").count() == 1


# --- a good web submission -------------------------------------------------------------------------


def test_a_web_submission_is_stored_verified_and_pseudonymised(scene: Scene) -> None:
    invitation = scene.invite()
    answers = good_answers(
        suggestion="希望延长午间服务时间", p1="窗口工作人员态度冷淡", p2="办理时限太长，等了两个星期"
    )
    timings = timings_for(answers, 3000) | {"unknown": 5, "r01": 10 * TIMING_ITEM_MAX_MS}
    response = submit(invitation, answers=answers, timings=timings, topics={"p1": "C1", "p2": ""})

    assert response.mode == "web"
    assert response.interviewer_username == ""
    assert response.respondent_uscc == invitation.frame_entry.uscc
    assert response.respondent_name == invitation.frame_entry.enterprise_name
    assert response.respondent_key == respondent_key(uscc=invitation.frame_entry.uscc)
    assert len(response.respondent_key) == 64
    assert invitation.frame_entry.uscc not in response.respondent_key
    assert (response.uscc_valid, response.frame_match) == (True, True)
    assert response.answers == answers
    assert set(response.timings) == set(answers)
    assert response.timings["r01"] == TIMING_ITEM_MAX_MS
    assert response.duration_ms == 3000 * (len(answers) - 1) + TIMING_ITEM_MAX_MS
    assert (response.started_at, response.submitted_at) == (STARTED, NOW)
    assert (response.qc_status, response.qc_flags) == ("clean", [])
    invitation.refresh_from_db()
    assert (invitation.status, invitation.completed_at, invitation.opened_at) == ("completed", NOW, NOW)
    problems = list(Problem.objects.order_by("id").values_list("text", "category_code", "classified_by", "unit_id"))
    assert problems == [
        ("窗口工作人员态度冷淡", "C1", "respondent", invitation.unit_id),
        ("办理时限太长，等了两个星期", "C2", "rule", invitation.unit_id),
    ]
    (entry,) = AuditEntry.objects.filter(action="appraisal.response.submit")
    assert (entry.object_type, entry.object_id, entry.actor_username) == ("appraisal.response", INSTANCE, "respondent")
    assert entry.after == {"round": "2026Q3", "unit": "U001", "mode": "web", "answered": len(answers), "qc_flags": []}
    # The audit log is not a back door to what was said or who said it.
    text = json.dumps([entry.before, entry.after], ensure_ascii=False)
    assert "态度冷淡" not in text
    assert invitation.frame_entry.uscc not in text


def test_the_uscc_is_compared_in_normal_form(scene: Scene) -> None:
    invitation = scene.invite()
    typed = " " + invitation.frame_entry.uscc.lower().translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"}) + " "
    response = submit(invitation, uscc=typed)
    assert response.respondent_uscc == invitation.frame_entry.uscc


def test_the_duration_is_capped(scene: Scene) -> None:
    invitation = scene.invite()
    answers = good_answers()
    response = submit(invitation, answers=answers, timings=dict.fromkeys(answers, TIMING_ITEM_MAX_MS))
    assert response.duration_ms == DURATION_MAX_MS


# --- verification by USCC --------------------------------------------------------------------------


def test_a_mutated_check_character_is_refused_and_nothing_is_stored(scene: Scene) -> None:
    invitation = scene.invite()
    with pytest.raises(InvalidInput) as caught:
        submit(invitation, uscc=uscc_mutate(invitation.frame_entry.uscc))
    assert caught.value.code == "appraisal_uscc_mismatch"
    assert "第18位校验码" in caught.value.message
    nothing_stored(invitation)


def test_another_enterprises_valid_code_is_refused_and_nothing_is_stored(scene: Scene) -> None:
    invitation = scene.invite()
    other = uscc_make(999)
    with pytest.raises(InvalidInput) as caught:
        submit(invitation, uscc=other)
    assert caught.value.code == "appraisal_uscc_mismatch"
    assert caught.value.message == "统一社会信用代码与受邀企业不符，请核对后重新输入"
    nothing_stored(invitation)


def test_a_legal_code_that_fails_its_check_is_accepted_and_flagged_unverified(scene: Scene) -> None:
    pilot = "91350100M0001TGQXM"  # a pilot-era code: legal, but its check character is "wrong"
    invitation = scene.invite(uscc=pilot)
    response = submit(invitation, uscc=pilot)
    assert (response.uscc_valid, response.frame_match) == (False, True)
    assert response.qc_status == "flagged"
    assert response.qc_flags == [{"code": "unverified", "detail": {"uscc_valid": False, "frame_match": True}}]


# --- the answers -----------------------------------------------------------------------------------


def test_a_required_item_hidden_by_skip_logic_need_not_be_answered_and_its_answer_is_dropped(scene: Scene) -> None:
    invitation = scene.invite()
    answers = good_answers(r_online="5")  # channel is "hall": r_online is not shown
    response = submit(invitation, answers=answers)
    assert "r_online" not in response.answers
    assert "r_online" not in response.timings


def test_a_shown_required_item_must_be_answered(scene: Scene) -> None:
    invitation = scene.invite()
    with pytest.raises(InvalidInput) as caught:
        submit(invitation, answers=good_answers(channel="online"))
    assert caught.value.code == "appraisal_answer_required"
    assert caught.value.detail == {"name": "r_online"}
    assert caught.value.message == "请回答第14题：网上办事平台是否好用？"
    nothing_stored(invitation)
    response = submit(invitation, answers=good_answers(channel="online", r_online="na"))
    assert response.answers["r_online"] == "na"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"r99": "5"}, "appraisal_answer_unknown"),
        ({"channel": "post"}, "appraisal_answer_invalid"),
        ({"r01": "6"}, "appraisal_answer_invalid"),
        ({"r01": "yes"}, "appraisal_answer_invalid"),
        ({"y_fee": "5"}, "appraisal_answer_invalid"),
        ({"suggestion": "长" * 501}, "appraisal_answer_too_long"),
        ({"p1": "问" * 1001}, "appraisal_answer_too_long"),
        ({"p1": "问", "p1__2": "问" * 1001}, "appraisal_answer_too_long"),
        ({"p1__4": "问"}, "appraisal_answer_unknown"),
        ({"r05": ""}, "appraisal_answer_required"),
    ],
)
def test_answers_outside_the_questionnaire_are_refused(scene: Scene, change: dict[str, str], code: str) -> None:
    invitation = scene.invite()
    with pytest.raises(InvalidInput) as caught:
        submit(invitation, answers=good_answers() | change)
    assert caught.value.code == code
    nothing_stored(invitation)


def test_a_problems_topic_must_be_a_category_of_the_system(scene: Scene) -> None:
    invitation = scene.invite()
    with pytest.raises(InvalidInput) as caught:
        submit(invitation, answers=good_answers(p2="排队太久"), topics={"p2": "C9"})
    assert caught.value.code == "appraisal_problem_topic"
    with pytest.raises(InvalidInput) as item:
        submit(invitation, answers=good_answers(p1="排队太久", p1_topic="C9"))
    assert item.value.code == "appraisal_answer_invalid"
    nothing_stored(invitation)


def test_a_problem_item_takes_up_to_three_problems_each_with_its_topic(scene: Scene) -> None:
    invitation = scene.invite()
    answers = good_answers(
        p1="窗口工作人员态度冷淡", p1_topic="C1", p1__2="网上平台经常登录不上", p1__3="材料要求前后不一致"
    )
    response = submit(invitation, answers=answers, topics={"p1__2": "C3"})
    assert response.answers == answers
    problems = list(Problem.objects.order_by("id").values_list("text", "category_code", "classified_by"))
    assert problems == [
        ("窗口工作人员态度冷淡", "C1", "respondent"),
        ("网上平台经常登录不上", "C3", "respondent"),
        ("材料要求前后不一致", "", "rule"),
    ]


def test_a_fourth_problem_is_refused(scene: Scene) -> None:
    invitation = scene.invite()
    answers = good_answers(p1="问题一", p1__2="问题二", p1__3="问题三", p2="问题四")
    with pytest.raises(InvalidInput) as caught:
        submit(invitation, answers=answers)
    assert caught.value.code == "appraisal_too_many_problems"
    nothing_stored(invitation)


def test_a_further_problem_counts_only_after_the_one_before_it(scene: Scene) -> None:
    invitation = scene.invite()
    response = submit(invitation, answers=good_answers(p1="排队太久", p1__3="第三个问题", p2__2="无首条"))
    assert {k: v for k, v in response.answers.items() if k.startswith("p")} == {"p1": "排队太久"}
    assert list(Problem.objects.values_list("text", flat=True)) == ["排队太久"]


def test_problems_are_classified_by_a_keyword_rule_when_no_topic_is_given() -> None:
    categories = [
        CategoryDef("C1", "窗口服务态度", 1),
        CategoryDef("C2", "办事效率与时限", 1),
        CategoryDef("C3", "网上办事平台", 1),
    ]
    assert problem_category_guess("工作人员态度不好", categories) == "C1"
    assert problem_category_guess("网上平台经常登录不上", categories) == "C3"
    assert problem_category_guess("审批时限太长，效率低", categories) == "C2"
    assert problem_category_guess("停车难", categories) == ""


# --- idempotency and one answer per invitation -----------------------------------------------------


def test_the_same_instance_with_the_same_content_returns_the_first_response(scene: Scene) -> None:
    invitation = scene.invite()
    first = submit(invitation, answers=good_answers(p1="窗口人少"))
    again = submit(invitation, answers=good_answers(p1="窗口人少"))
    assert again.pk == first.pk
    assert Response.objects.count() == 1
    assert Problem.objects.count() == 1
    assert AuditEntry.objects.filter(action="appraisal.response.submit").count() == 1


def test_the_same_instance_with_other_content_is_a_conflict(scene: Scene) -> None:
    invitation = scene.invite()
    first = submit(invitation)
    with pytest.raises(Conflict) as caught:
        submit(invitation, answers=good_answers("2"))
    assert caught.value.code == "appraisal_instance_conflict"
    assert list(Response.objects.values_list("pk", "answers")) == [(first.pk, good_answers())]
    other = scene.invite()
    with pytest.raises(Conflict) as elsewhere:
        submit(other)
    assert elsewhere.value.code == "appraisal_instance_conflict"
    other.refresh_from_db()
    assert other.status == Invitation.Status.DRAWN
    assert AuditEntry.objects.filter(action="appraisal.response.submit").count() == 1


def test_an_answered_invitation_cannot_be_answered_again(scene: Scene) -> None:
    invitation = scene.invite()
    submit(invitation)
    with pytest.raises(Conflict) as caught:
        submit(invitation, instance_id="uuid:another-one-0000")
    assert caught.value.code == "appraisal_already_answered"
    assert Response.objects.count() == 1


@pytest.mark.parametrize("status", [Round.Status.DESIGN, Round.Status.CLOSED, Round.Status.PUBLISHED])
def test_nothing_is_accepted_outside_the_collecting_period(scene: Scene, status: str) -> None:
    invitation = scene.invite()
    Round.objects.filter(pk=scene.round.pk).update(status=status)
    with pytest.raises(Conflict) as caught:
        submit(invitation)
    assert caught.value.code == "appraisal_round_not_collecting"
    nothing_stored(invitation)


def test_a_malformed_instance_id_is_refused(scene: Scene) -> None:
    invitation = scene.invite()
    for instance_id in ("", "short", "x" * 65, "uuid:<script>alert(1)</script>"):
        with pytest.raises(InvalidInput) as caught:
            submit(invitation, instance_id=instance_id)
        assert caught.value.code == "appraisal_instance_id"
    nothing_stored(invitation)


def test_a_straight_liner_is_flagged_at_submission(scene: Scene) -> None:
    invitation = scene.invite()
    answers = good_answers() | dict.fromkeys(RATINGS, "5")
    response = submit(invitation, answers=answers)
    assert response.qc_status == "flagged"
    assert response.qc_flags == [{"code": "straight_line", "detail": {"value": "5", "items": 12}}]
    (entry,) = AuditEntry.objects.filter(action="appraisal.response.submit")
    assert entry.after["qc_flags"] == ["straight_line"]


# --- CATI ------------------------------------------------------------------------------------------


def test_an_interviewer_enters_a_cati_interview_in_their_name(scene: Scene) -> None:
    invitation = scene.invite(channel=Invitation.Channel.CATI)
    response = submit(invitation, mode="cati", by=APPRAISER)
    assert (response.mode, response.interviewer_username) == ("cati", "interviewer1")
    invitation.refresh_from_db()
    assert (invitation.status, invitation.interviewer_username) == ("completed", "interviewer1")
    (entry,) = AuditEntry.objects.filter(action="appraisal.response.submit")
    assert (entry.actor_username, entry.after["mode"]) == ("interviewer1", "cati")


@pytest.mark.parametrize("role", ["city_leader", "department_user", "centre_staff", "public"])
def test_only_the_evaluators_interviewers_enter_cati_interviews(scene: Scene, role: str) -> None:
    invitation = scene.invite(channel=Invitation.Channel.CATI)
    actor = Actor(user_id=9, username=role, roles=frozenset({role}))
    with pytest.raises(PermissionDenied) as caught:
        submit(invitation, mode="cati", by=actor)
    assert caught.value.code == "appraisal_interviewer_only"
    with pytest.raises(PermissionDenied):
        submit(invitation, mode="cati", by=None)
    nothing_stored(invitation)


def test_an_interview_assigned_to_another_interviewer_is_refused(scene: Scene) -> None:
    invitation = scene.invite(channel=Invitation.Channel.CATI, interviewer="interviewer2")
    with pytest.raises(PermissionDenied) as caught:
        submit(invitation, mode="cati", by=APPRAISER)
    assert caught.value.code == "appraisal_not_your_interview"
    nothing_stored(invitation)
    assert submit(invitation, mode="cati", by=OTHER_INTERVIEWER).interviewer_username == "interviewer2"


def test_the_interviewers_list_holds_their_own_and_unassigned_interviews_of_collecting_rounds(scene: Scene) -> None:
    own = scene.invite(channel=Invitation.Channel.CATI, interviewer="interviewer1")
    free = scene.invite(scene.units[1], channel=Invitation.Channel.CATI)
    scene.invite(channel=Invitation.Channel.CATI, interviewer="interviewer2")
    scene.invite(channel=Invitation.Channel.SMS)
    done = scene.invite(channel=Invitation.Channel.CATI)
    submit(done, mode="cati", by=APPRAISER)
    page = cati_invitations(by=APPRAISER)
    assert [i.pk for i in page.items] == [own.pk, free.pk]
    with pytest.raises(PermissionDenied):
        cati_invitations(by=Actor(user_id=9, username="leader", roles=frozenset({"city_leader"})))


@pytest.mark.parametrize("outcome", ["refused", "unreachable"])
def test_a_refusal_or_an_unreachable_enterprise_is_recorded(scene: Scene, outcome: str) -> None:
    invitation = scene.invite(channel=Invitation.Channel.CATI)
    recorded = cati_outcome_record(invitation=invitation, outcome=outcome, by=APPRAISER)
    assert recorded.status == outcome
    invitation.refresh_from_db()
    assert invitation.status == outcome
    (entry,) = AuditEntry.objects.filter(action="appraisal.invitation.outcome")
    assert (entry.object_id, entry.before, entry.after) == (
        str(invitation.pk),
        {"status": "drawn"},
        {"status": outcome, "reserve_released": None},
    )
    with pytest.raises(Conflict):
        cati_outcome_record(invitation=invitation, outcome="unreachable", by=APPRAISER)


def test_an_outcome_is_refused_to_anyone_but_an_interviewer(scene: Scene) -> None:
    invitation = scene.invite(channel=Invitation.Channel.CATI)
    with pytest.raises(PermissionDenied):
        cati_outcome_record(
            invitation=invitation,
            outcome="refused",
            by=Actor(user_id=9, username="u", roles=frozenset({"department_user"})),
        )
    with pytest.raises(InvalidInput):
        cati_outcome_record(invitation=invitation, outcome="completed", by=APPRAISER)
    invitation.refresh_from_db()
    assert invitation.status == "drawn"
    assert AuditEntry.objects.filter(action="appraisal.invitation.outcome").count() == 0


# --- pages -----------------------------------------------------------------------------------------


def _form(invitation: Invitation, answers: dict[str, str], **extra: str) -> dict[str, str]:
    return {
        "uscc": invitation.frame_entry.uscc,
        "instance_id": INSTANCE,
        "started_at": STARTED.isoformat(),
        "timings": json.dumps(timings_for(answers, 2500)),
        **answers,
        **extra,
    }


def test_the_questionnaire_page_opens_by_token_without_signing_in(scene: Scene, client: Any) -> None:
    invitation = scene.invite()
    page = client.get(f"/appraisal/r/{invitation.token}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="unit-name">测试单位1<' in html
    for name in ["channel", *RATINGS, "r_online", "y_fee", "suggestion", "p1", "p1_topic", "p1__2", "p1__3", "p2"]:
        assert f'data-testid="q-{name}"' in html
    assert "非常满意" in html
    assert "不了解/未办理" in html
    assert 'data-relevant="${channel} = &#x27;online&#x27;"' in html
    assert "appraisal/questionnaire.js" in html
    assert 'name="instance_id" value="uuid:' in html
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.OPENED


def test_an_unknown_link_says_only_that_it_is_invalid(scene: Scene, client: Any) -> None:
    scene.invite()
    page = client.get("/appraisal/r/not-a-token/")
    assert page.status_code == 404
    html = page.content.decode()
    assert "该评价链接无效" in html
    assert "测试单位" not in html
    assert "昆明测试企业" not in html


def test_the_questionnaire_is_submitted_and_thanked_once(scene: Scene, client: Any) -> None:
    invitation = scene.invite()
    answers = good_answers(p1="窗口人员不足", p1_topic="C1", suggestion="增加自助设备")
    form = _form(invitation, answers)
    first = client.post(f"/appraisal/r/{invitation.token}/", form)
    again = client.post(f"/appraisal/r/{invitation.token}/", form)  # a double tap
    assert (first.status_code, again.status_code) == (200, 200)
    assert 'data-testid="thanks"' in first.content.decode()
    (response,) = Response.objects.all()
    assert (response.mode, response.answers, response.duration_ms) == ("web", answers, 2500 * len(answers))
    assert list(Problem.objects.values_list("text", "category_code")) == [("窗口人员不足", "C1")]
    page = client.get(f"/appraisal/r/{invitation.token}/")
    assert 'data-testid="already-answered"' in page.content.decode()
    other = client.post(f"/appraisal/r/{invitation.token}/", {**form, "instance_id": "uuid:a-second-attempt"})
    assert other.status_code == 409
    assert Response.objects.count() == 1


def test_a_refused_form_is_shown_again_with_the_answers_and_the_reason(scene: Scene, client: Any) -> None:
    invitation = scene.invite()
    answers = good_answers(suggestion="希望延长服务时间", p1="排队太久", p1_topic="C2", p2="部门之间互相推诿")
    wrong = uscc_make(777)
    page = client.post(f"/appraisal/r/{invitation.token}/", _form(invitation, answers, uscc=wrong, p2__topic="C3"))
    assert page.status_code == 400
    html = page.content.decode()
    assert 'data-code="appraisal_uscc_mismatch"' in html
    assert "统一社会信用代码与受邀企业不符" in html
    assert f'value="{wrong}"' in html
    assert f'name="instance_id" value="{INSTANCE}"' in html
    assert 'name="r02" value="4" checked' in html
    assert 'name="r01" value="3" checked' in html
    assert 'name="channel" value="hall" checked' in html
    assert "希望延长服务时间</textarea>" in html
    assert "排队太久</textarea>" in html
    assert 'name="p1_topic" value="C2" checked' in html
    assert '<option value="C3" selected>' in html
    nothing_stored(invitation)


def test_a_missing_answer_is_named_in_chinese(scene: Scene, client: Any) -> None:
    invitation = scene.invite()
    answers = good_answers()
    del answers["r05"]
    page = client.post(f"/appraisal/r/{invitation.token}/", _form(invitation, answers))
    assert page.status_code == 400
    assert "请回答第6题：满意度第5项" in page.content.decode()
    nothing_stored(invitation)


def test_a_round_not_collecting_shows_that_it_is_closed(scene: Scene, client: Any) -> None:
    invitation = scene.invite()
    Round.objects.filter(pk=scene.round.pk).update(status=Round.Status.CLOSED)
    assert client.get(f"/appraisal/r/{invitation.token}/").status_code == 409
    post = client.post(f"/appraisal/r/{invitation.token}/", _form(invitation, good_answers()))
    assert 'data-testid="round-closed"' in post.content.decode()
    nothing_stored(invitation)


def test_an_interviewer_opens_an_interview_and_enters_it(scene: Scene) -> None:
    invitation = scene.invite(channel=Invitation.Channel.CATI)
    client = signed_in("interviewer1", "appraiser")
    listing = client.get("/appraisal/cati/")
    assert listing.status_code == 200
    assert f'data-invitation="{invitation.pk}"' in listing.content.decode()
    page = client.get(f"/appraisal/cati/{invitation.pk}/")
    assert page.status_code == 200
    assert invitation.frame_entry.phone in page.content.decode()
    (view,) = AuditEntry.objects.filter(action="appraisal.raw.view")
    assert (view.object_type, view.object_id, view.actor_username) == (
        "appraisal.invitation",
        str(invitation.pk),
        "interviewer1",
    )
    answers = good_answers()
    saved = client.post(f"/appraisal/cati/{invitation.pk}/", _form(invitation, answers))
    assert (saved.status_code, saved["Location"]) == (302, "/appraisal/cati/")
    (response,) = Response.objects.all()
    assert (response.mode, response.interviewer_username, response.answers) == ("cati", "interviewer1", answers)


def test_an_interviewer_records_a_refusal(scene: Scene) -> None:
    invitation = scene.invite(channel=Invitation.Channel.CATI)
    client = signed_in("interviewer1", "appraiser")
    done = client.post(f"/appraisal/cati/{invitation.pk}/outcome/", {"outcome": "refused"})
    assert done.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == "refused"


@pytest.mark.parametrize("role", ["city_leader", "department_user"])
def test_cati_pages_are_refused_to_leaders_and_units_and_change_nothing(scene: Scene, role: str) -> None:
    invitation = scene.invite(channel=Invitation.Channel.CATI)
    client = signed_in(f"u-{role}", role)
    assert client.get("/appraisal/cati/").status_code == 403
    assert client.get(f"/appraisal/cati/{invitation.pk}/").status_code == 403
    assert client.post(f"/appraisal/cati/{invitation.pk}/", _form(invitation, good_answers())).status_code == 403
    assert client.post(f"/appraisal/cati/{invitation.pk}/outcome/", {"outcome": "refused"}).status_code == 403
    nothing_stored(invitation)
    assert AuditEntry.objects.filter(action__startswith="appraisal.").count() == 0
