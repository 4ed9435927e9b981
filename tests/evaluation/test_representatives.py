"""The tenderer's representatives on the committee (招标投标法 第三十七条): counted in its size, never as experts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.evaluation.scene import GP_METHOD, Ready
from zhengwu.contexts.evaluation import selectors, services
from zhengwu.contexts.evaluation.models import Evaluation, Member
from zhengwu.contexts.experts.tests.factories import client_for
from zhengwu.kernel.errors import Conflict, InvalidInput, NotFound


@pytest.mark.django_db
def test_representatives_join_the_committee_only_as_the_law_allows(ready: Ready) -> None:
    w, bid = ready.world, ready.bid
    # Five experts and one representative: six, an even committee.
    with pytest.raises(Conflict) as even:
        services.evaluation_create(section=ready.section, method=GP_METHOD, representatives=["tenderer"], by=w["staff"])
    assert even.value.code == "committee_size_even"
    assert even.value.detail["size"] == 6
    # A bidder's person is nobody's representative; an unknown name is said so.
    with pytest.raises(InvalidInput) as outsider:
        services.evaluation_create(
            section=ready.section, method=GP_METHOD, representatives=["tenderer", "bidder1"], by=w["staff"]
        )
    assert outsider.value.code == "representative_not_tenderer"
    with pytest.raises(InvalidInput) as unknown:
        services.evaluation_create(section=ready.section, method=GP_METHOD, representatives=["nobody"], by=w["staff"])
    assert unknown.value.code == "representative_unknown"
    assert not Evaluation.objects.exists()

    # Five experts of seven: at least two thirds.
    evaluation = services.evaluation_create(
        section=ready.section, method=GP_METHOD, representatives=["tenderer", "agency"], by=w["staff"]
    )
    kinds = sorted(Member.objects.values_list("kind", flat=True))
    assert kinds == ["expert"] * 5 + ["representative"] * 2
    seat = selectors.member_for(evaluation=evaluation, by=w["tenderer"])
    assert seat.kind == "representative"
    services.compliance_mark(evaluation=evaluation, bid_id=bid["A"], compliant=True, by=w["tenderer"])
    room = client_for("agency").get(reverse("trading:evaluation:room", args=[ready.section.code]))
    assert room.status_code == 200
    assert 'data-testid="bids"' in room.content.decode()
    # Another person of the tenderer who is not on the committee is not in the room.
    with pytest.raises(NotFound):
        selectors.member_for(evaluation=evaluation, by=w["tenderer_other"])


@pytest.mark.django_db
def test_the_staff_name_representatives_on_the_creation_page(ready: Ready) -> None:
    import json

    staff = client_for("staff")
    url = reverse("trading:evaluation:create", args=[ready.section.code])
    method = json.dumps(GP_METHOD)
    refused = staff.post(url, {"method": method, "representatives": "tenderer"})
    assert refused.status_code == 400
    assert not Evaluation.objects.exists()
    assert staff.post(url, {"method": method, "representatives": "tenderer、agency"}).status_code == 302
    assert Member.objects.filter(kind="representative").count() == 2
