"""The volunteering criterion of the performance evaluation (issue 15, point 3): its weight defaults
to 0 (pinned) and, when the bureau configures it, is taken out of the purchaser's share and copied at
opening; its score (verified hours ÷ the goals, at most 100) enters the weighted total at publishing,
is left out without a goal and never counts with a weight of 0; the purchaser's evaluation page shows
volunteer participation next to the targets; the published results show the criterion when it was
scored; the audit entries carry it."""

from __future__ import annotations

import csv
import io
from decimal import Decimal as D

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from audit.models import Event
from procurement import rules
from procurement.contracts import participation as participation_module
from procurement.contracts.participation import Participation
from procurement.contracts.services.amendments import contract_amend
from procurement.contracts.services.performance import (
    evaluation_open,
    evaluation_publish,
    evaluation_score_targets,
    performance_total,
)
from tests.procurement.contracting import active_contract, published_award

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake():
    saved = (participation_module._provider, participation_module._links_provider)
    figures: dict[int, Participation] = {}
    participation_module.register_provider(lambda ids: {pk: figures[pk] for pk in ids if pk in figures})
    participation_module.register_links_provider(lambda contract, user: [])
    yield figures
    participation_module._provider, participation_module._links_provider = saved


@pytest.fixture
def contract():
    award, officer, _winner, _others = published_award()
    return active_contract(award, officer), officer


def _with_goal(contract, officer, goal="100"):
    contract_amend(
        actor=officer, contract=contract, reason="增加志愿服务时长目标",
        add_targets=[{"name": "志愿服务时长", "measure": f"≥ {goal} 小时", "weight": "20", "volunteer_hours_goal": goal}],
    )  # fmt: skip


def _score_and_publish(evaluation, officer, contract, score="90"):
    targets = contract.targets.filter(retired_by__isnull=True)
    evaluation_score_targets(
        actor=officer, evaluation=evaluation, scores={t.pk: (score, "完成") for t in targets}
    )
    return evaluation_publish(actor=officer, evaluation=evaluation)


# --- the rule ----------------------------------------------------------------------------------------


def test_the_volunteering_weight_defaults_to_0_and_the_evaluation_weights_to_50_30_20_0():
    assert rules.performance_volunteering_weight() == D("0")
    assert rules.performance_evaluation_weights() == {
        "purchaser": D("50"), "satisfaction": D("30"), "third_party": D("20"), "volunteering": D("0"),
    }  # fmt: skip


def test_a_configured_weight_is_taken_out_of_the_purchasers_share(settings):
    settings.PROCUREMENT_PERFORMANCE_VOLUNTEERING_WEIGHT = "10"
    weights = rules.performance_evaluation_weights()
    assert weights == {
        "purchaser": D("40"),
        "satisfaction": D("30"),
        "third_party": D("20"),
        "volunteering": D("10"),
    }
    assert sum(weights.values()) == D("100")
    settings.PROCUREMENT_PERFORMANCE_VOLUNTEERING_WEIGHT = "60"  # above the purchaser's 50
    with pytest.raises(ImproperlyConfigured):
        rules.performance_evaluation_weights()
    settings.PROCUREMENT_PERFORMANCE_VOLUNTEERING_WEIGHT = "-1"
    with pytest.raises(ImproperlyConfigured):
        rules.performance_volunteering_weight()


def test_the_weighted_total_with_the_criterion_on_and_off():
    on = {"purchaser": D("40"), "satisfaction": D("30"), "third_party": D("20"), "volunteering": D("10")}
    off = {"purchaser": D("50"), "satisfaction": D("30"), "third_party": D("20"), "volunteering": D("0")}
    # (90×40 + 80×30 + 70×20 + 50×10) / 100
    assert performance_total(
        purchaser=D("90"), satisfaction=D("80"), third_party=D("70"), volunteering=D("50"), weights=on
    ) == D("79.00")
    # weight 0: a score is ignored; (90×50 + 80×30 + 70×20) / 100
    assert performance_total(
        purchaser=D("90"), satisfaction=D("80"), third_party=D("70"), volunteering=D("50"), weights=off
    ) == D("83.00")
    # weighted but not scored (no goal): left out, the others re-normalised to 90
    assert performance_total(
        purchaser=D("90"), satisfaction=D("80"), third_party=D("70"), volunteering=None, weights=on
    ) == D("82.22")
    # the three-weight dictionaries of before still work
    assert performance_total(
        purchaser=D("71"), satisfaction=None, third_party=None,
        weights={"purchaser": D("50"), "satisfaction": D("30"), "third_party": D("20")},
    ) == D("71.00")  # fmt: skip


# --- through the services ------------------------------------------------------------------------------


def test_with_the_default_weight_the_criterion_is_not_scored(contract, fake):
    contract, officer = contract
    _with_goal(contract, officer)
    fake[contract.pk] = Participation(projects=1, verified_hours=D("20"))
    evaluation = evaluation_open(actor=officer, contract=contract)
    assert (evaluation.weight_purchaser, evaluation.weight_volunteering) == (D("50"), D("0"))
    evaluation = _score_and_publish(evaluation, officer, contract)
    assert evaluation.volunteering_score is None and evaluation.total == D("90.00")
    published = Event.objects.filter(action="performance.publish").latest("pk")
    assert "volunteering" not in published.after
    opened = Event.objects.filter(action="performance.open").latest("pk")
    assert opened.after["weights"]["volunteering"] == "0"


def test_a_configured_weight_is_copied_at_opening_and_the_score_enters_the_total(contract, fake, settings):
    contract, officer = contract
    settings.PROCUREMENT_PERFORMANCE_VOLUNTEERING_WEIGHT = "10"
    _with_goal(contract, officer, goal="80")
    fake[contract.pk] = Participation(
        projects=2, needs=3, signups=9, verified_hours=D("20"), volunteers_served=6
    )
    evaluation = evaluation_open(actor=officer, contract=contract)
    assert (evaluation.weight_purchaser, evaluation.weight_volunteering) == (D("40"), D("10"))
    opened = Event.objects.filter(action="performance.open").latest("pk")
    assert opened.after["weights"] == {
        "purchaser": "40",
        "satisfaction": "30",
        "third_party": "20",
        "volunteering": "10",
    }
    # a later change of configuration does not change this evaluation
    settings.PROCUREMENT_PERFORMANCE_VOLUNTEERING_WEIGHT = "0"
    evaluation = _score_and_publish(evaluation, officer, contract, score="90")
    # 20 of 80 hours = 25; purchaser 90 weighs 40, volunteering 25 weighs 10 → (3600 + 250) / 50 = 77
    assert evaluation.volunteering_score == D("25.00")
    assert evaluation.total == D("77.00") and evaluation.grade == "passed"
    published = Event.objects.filter(action="performance.publish").latest("pk")
    assert published.after["volunteering"] == "25.00" and published.after["total"] == "77.00"


def test_without_a_volunteer_hour_goal_the_criterion_is_left_out(contract, fake, settings):
    contract, officer = contract
    settings.PROCUREMENT_PERFORMANCE_VOLUNTEERING_WEIGHT = "10"
    fake[contract.pk] = Participation(projects=1, verified_hours=D("500"))
    evaluation = evaluation_open(actor=officer, contract=contract)
    evaluation = _score_and_publish(evaluation, officer, contract, score="70")
    assert evaluation.volunteering_score is None and evaluation.total == D("70.00")
    assert Event.objects.filter(action="performance.publish").latest("pk").after["volunteering"] is None


def test_the_score_is_capped_at_100(contract, fake, settings):
    contract, officer = contract
    settings.PROCUREMENT_PERFORMANCE_VOLUNTEERING_WEIGHT = "50"  # the whole purchaser's share
    _with_goal(contract, officer, goal="10")
    fake[contract.pk] = Participation(projects=1, verified_hours=D("35"))
    evaluation = evaluation_open(actor=officer, contract=contract)
    assert evaluation.weight_purchaser == D("0")
    evaluation = _score_and_publish(evaluation, officer, contract, score="10")
    assert evaluation.volunteering_score == D("100.00") and evaluation.total == D("100.00")


# --- the pages ------------------------------------------------------------------------------------------


def test_the_evaluation_page_shows_participation_next_to_the_targets_and_the_criterion(
    client, contract, fake, settings
):
    contract, officer = contract
    settings.PROCUREMENT_PERFORMANCE_VOLUNTEERING_WEIGHT = "10"
    _with_goal(contract, officer, goal="80")
    fake[contract.pk] = Participation(
        projects=2, needs=3, signups=9, verified_hours=D("20"), volunteers_served=6
    )
    evaluation = evaluation_open(actor=officer, contract=contract)
    client.force_login(officer)
    url = reverse("procurement:evaluation_detail", args=[evaluation.pk])
    body = client.get(url).content.decode()
    assert "志愿服务参与情况" in body and "data-participation-hours>20</dd>" in body
    assert "已核实志愿服务时长 20 / 80 小时（25%）" in body
    assert "志愿服务参与 10.00%" in body and "采购人 40.00%" in body
    assert "data-volunteering-rule" in body and "当前得分：25.00。" in body
    targets = contract.targets.filter(retired_by__isnull=True)
    evaluation_score_targets(actor=officer, evaluation=evaluation, scores={t.pk: ("90", "") for t in targets})
    body = client.get(url).content.decode()
    assert "data-preview-volunteering>25.00</dd>" in body and "data-preview-total>77.00</dd>" in body
    evaluation_publish(actor=officer, evaluation=evaluation)
    body = client.get(url).content.decode()
    assert "data-volunteering-score>25.00</dd>" in body and "data-total>77.00</dd>" in body


def test_without_the_criterion_the_page_shows_participation_but_no_volunteering_weight(
    client, contract, fake
):
    contract, officer = contract
    evaluation = evaluation_open(actor=officer, contract=contract)
    client.force_login(officer)
    body = client.get(reverse("procurement:evaluation_detail", args=[evaluation.pk])).content.decode()
    assert "data-participation-empty" in body and "此合同下尚无志愿服务项目。" in body
    assert "志愿服务参与 " not in body and "data-volunteering-rule" not in body


def test_published_results_show_the_criterion_only_when_it_was_scored(client, fake, settings):
    award, officer, *_ = published_award()
    scored = active_contract(award, officer)
    _with_goal(scored, officer, goal="80")
    fake[scored.pk] = Participation(projects=1, verified_hours=D("40"))
    settings.PROCUREMENT_PERFORMANCE_VOLUNTEERING_WEIGHT = "10"
    _score_and_publish(evaluation_open(actor=officer, contract=scored), officer, scored)
    settings.PROCUREMENT_PERFORMANCE_VOLUNTEERING_WEIGHT = "0"
    award2, officer2, *_ = published_award()
    plain = active_contract(award2, officer2)
    _score_and_publish(evaluation_open(actor=officer2, contract=plain), officer2, plain)
    listing = client.get(reverse("procurement:evaluation_public_list")).content.decode()
    assert listing.count("data-volunteering>") == 1
    assert "志愿服务参与 50.00 分（权重 10.00%）" in listing
    page = client.get(reverse("procurement:contract_public_detail", args=[scored.pk])).content.decode()
    assert "志愿服务参与 50.00 分（权重 10.00%）" in page
    page = client.get(reverse("procurement:contract_public_detail", args=[plain.pk])).content.decode()
    assert "data-public-evaluation" in page and "志愿服务参与" not in page
    export = client.get(reverse("procurement:evaluation_public_list"), {"format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert rows[0][-1] == "志愿服务参与得分"
    scores = {row[3]: row[-1] for row in rows[1:]}  # contract number -> the column
    assert scores == {scored.reference: "50.00", plain.reference: ""}


def test_the_evaluation_page_reads_the_same_queries_with_one_or_several_volunteer_hour_targets(
    client, contract, fake, settings
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from procurement.models import ContractTarget

    contract, officer = contract
    settings.PROCUREMENT_PERFORMANCE_VOLUNTEERING_WEIGHT = "10"
    fake[contract.pk] = Participation(projects=1, verified_hours=D("12"))
    _with_goal(contract, officer, goal="40")
    evaluation = evaluation_open(actor=officer, contract=contract)
    client.force_login(officer)
    url = reverse("procurement:evaluation_detail", args=[evaluation.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for i in range(5):
        ContractTarget.objects.create(
            contract=contract,
            name=f"志愿服务时长{i}",
            measure="小时",
            weight=D("5"),
            volunteer_hours_goal=D("10"),
        )
    with CaptureQueriesContext(connection) as several:
        body = client.get(url).content.decode()
    assert body.count("data-hours-progress") == 6 and "当前得分：13.33。" in body  # 12 of 90 hours
    assert len(one) == len(several)
