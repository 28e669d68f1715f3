"""The officer's contract screens on the site: drafting from the award list, the draft's targets and
milestones (shares plus advance = 100%), signing (refused with the reason while a challenge to the
result is open) and publication, amendments with their history, service recipients' opinions,
progress report review (accept or return), completion and termination with a confirmation step,
and the performance evaluation (scores, third party, preview of the total and grade, publication).
Each page: the happy path, refusal to another department's officer and to another organization's
member, a validation error shown without a 500 and without a half-written record; the award list's
query count does not grow with its rows."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from procurement.contracts.services.contracts import contract_sign
from procurement.contracts.services.milestones import milestone_accept, milestone_submit
from procurement.contracts.services.payments import payment_record
from procurement.contracts.services.performance import evaluation_open, survey_tokens_issue
from procurement.contracts.services.progress_reports import progress_report_submit
from procurement.evaluation.services.result_challenges import result_challenge_file
from procurement.models import (
    Award,
    Contract,
    ContractAmendment,
    Lot,
    Milestone,
    PerformanceEvaluation,
    ProgressReport,
    RecipientOpinion,
    TargetScore,
)
from tests.factories import staff_user
from tests.procurement.bidding import pdf_with
from tests.procurement.contracting import active_contract, draft_contract, published_award
from tests.procurement.factories import officer_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def awarded():
    award, officer, winner, others = published_award()
    stranger = officer_for(staff_user(Role.PROCUREMENT_OFFICER).department)
    return award, officer, winner, others, stranger


@pytest.fixture
def active(awarded):
    award, officer, winner, others, stranger = awarded
    contract = active_contract(award, officer)
    return contract, officer, winner, others, stranger


def _body(response) -> str:
    return response.content.decode()


# --- the award list and drafting ------------------------------------------------------------------


def test_the_officer_drafts_the_contract_from_the_award_list(client, awarded):
    award, officer, *_ = awarded
    client.force_login(officer)
    page = client.get(reverse("procurement:staff_awards"))
    assert page.status_code == 200 and f'data-award="{award.pk}"' in _body(page)
    assert "data-draft-contract" in _body(page)
    response = client.post(reverse("procurement:contract_draft", args=[award.pk]))
    contract = Contract.objects.get(award=award)
    assert response.status_code == 302 and response.url == reverse(
        "procurement:contract_edit", args=[contract.pk]
    )
    again = client.post(reverse("procurement:contract_draft", args=[award.pk]), follow=True)
    assert again.status_code == 200 and Contract.objects.filter(award=award).count() == 1
    assert "data-draft-contract" not in _body(client.get(reverse("procurement:staff_awards")))


def test_the_award_list_and_drafting_are_refused_to_others(client, awarded):
    award, _officer, winner, others, stranger = awarded
    url = reverse("procurement:contract_draft", args=[award.pk])
    client.force_login(stranger)
    assert f'data-award="{award.pk}"' not in _body(client.get(reverse("procurement:staff_awards")))
    assert client.post(url).status_code == 404
    client.force_login(others[0])
    assert client.get(reverse("procurement:staff_awards")).status_code == 403
    assert client.post(url).status_code == 404
    client.force_login(winner)
    assert client.post(url).status_code == 404
    assert not Contract.objects.filter(award=award).exists()


def test_supervisors_read_the_award_list_without_drafting(client, awarded):
    award, *_ = awarded
    client.force_login(staff_user(Role.SUPERVISOR))
    page = client.get(reverse("procurement:staff_awards"))
    assert f'data-award="{award.pk}"' in _body(page) and "data-draft-contract" not in _body(page)
    assert client.post(reverse("procurement:contract_draft", args=[award.pk])).status_code == 404


def _more_awards(award, n, start):
    for i in range(n):
        lot = Lot.objects.create(tender=award.tender, number=start + i, title=f"包{i}", ceiling=D("100000"))
        Award.objects.create(
            tender=award.tender, lot=lot, report=award.report, bid=award.bid, organization=award.organization,
            amount=D("1000"), rank=1, status=award.status, confirm_due_on=award.confirm_due_on,
            confirmed_at=award.confirmed_at, notice_published_at=award.notice_published_at,
        )  # fmt: skip


def test_the_award_list_reads_the_same_number_of_queries_for_5_and_50_awards(client, awarded):
    award, officer, *_ = awarded
    draft_contract(award, officer)
    client.force_login(officer)
    url = reverse("procurement:staff_awards")
    _more_awards(award, 4, 10)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _more_awards(award, 45, 100)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert _body(response).count("data-award=") == 20  # a full page
    assert len(small) == len(large)


# --- the draft's targets and milestones -----------------------------------------------------------


def _edit_data(contract, *, targets, milestones, advance="10"):
    data = {
        "title": contract.title, "advance_share": advance, "starts_on": contract.starts_on.isoformat(),
        "ends_on": contract.ends_on.isoformat(), "service_standard": contract.service_standard,
        "report_schedule": contract.report_schedule, "continuing_reason": "", "purchaser_signatory": "王科长",
        "supplier_signatory": "李主任", "contact_phone": "025-12341234",
        "targets-TOTAL_FORMS": str(len(targets)), "targets-INITIAL_FORMS": "0",
        "milestones-TOTAL_FORMS": str(len(milestones)), "milestones-INITIAL_FORMS": "0",
    }  # fmt: skip
    for i, row in enumerate(targets):
        data.update({f"targets-{i}-{k}": v for k, v in row.items()})
    for i, row in enumerate(milestones):
        data.update({f"milestones-{i}-{k}": v for k, v in row.items()})
    return data


def test_the_officer_edits_the_drafts_targets_and_milestones(client, awarded):
    award, officer, *_ = awarded
    contract = draft_contract(award, officer)
    kept_target = contract.targets.order_by("sort_order").first()
    first, second = contract.milestones.order_by("number")
    client.force_login(officer)
    url = reverse("procurement:contract_edit", args=[contract.pk])
    assert client.get(url).status_code == 200
    due = (contract.starts_on + dt.timedelta(days=30)).isoformat()
    data = _edit_data(
        contract,
        targets=[
            {"pk": kept_target.pk, "name": "服务人次", "measure": "≥ 1500 人次", "weight": "50"},
            {"pk": "", "name": "回访率", "measure": "≥ 80%", "weight": "50"},
        ],
        milestones=[
            {"pk": second.pk, "deliverable": second.deliverable, "due_on": second.due_on.isoformat(), "payment_share": "60"},
            {"pk": first.pk, "deliverable": "", "due_on": due, "payment_share": "30", "DELETE": "on"},
            {"pk": "", "deliverable": "第一季度服务台账", "due_on": due, "payment_share": "30"},
        ],
    )  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302, _body(response)
    contract.refresh_from_db()
    assert contract.purchaser_signatory == "王科长"
    assert [(t.name, t.measure) for t in contract.targets.order_by("sort_order")] == [
        ("服务人次", "≥ 1500 人次"),
        ("回访率", "≥ 80%"),
    ]
    rows = list(contract.milestones.order_by("number").values_list("number", "deliverable", "payment_share"))
    assert rows == [(1, "第一季度服务台账", D("30")), (2, second.deliverable, D("60"))]
    assert not Milestone.objects.filter(pk=first.pk).exists()


def test_shares_not_summing_to_100_are_refused_with_the_reason_and_nothing_is_written(client, awarded):
    award, officer, *_ = awarded
    contract = draft_contract(award, officer)
    before = list(contract.milestones.values_list("pk", "payment_share"))
    client.force_login(officer)
    data = _edit_data(
        contract,
        targets=[{"pk": "", "name": "满意率", "measure": "≥ 95%", "weight": "100"}],
        milestones=[{"pk": "", "deliverable": "成果", "due_on": contract.ends_on.isoformat(), "payment_share": "50"}],
    )  # fmt: skip
    response = client.post(reverse("procurement:contract_edit", args=[contract.pk]), data)
    body = _body(response)
    assert response.status_code == 200 and 'class="form-errors"' in body and "60" in body
    assert list(contract.milestones.values_list("pk", "payment_share")) == before
    assert contract.targets.count() == 2 and Contract.objects.get(pk=contract.pk).purchaser_signatory == ""


def test_the_draft_page_is_refused_to_others(client, awarded):
    award, officer, winner, others, stranger = awarded
    contract = draft_contract(award, officer)
    url = reverse("procurement:contract_edit", args=[contract.pk])
    data = _edit_data(contract, targets=[], milestones=[])
    for user in (stranger, winner, others[0], staff_user(Role.SUPERVISOR)):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, data).status_code == 404
    assert contract.targets.count() == 2 and contract.milestones.count() == 2


# --- signing and publishing -----------------------------------------------------------------------


def test_the_officer_signs_and_publishes_on_the_page(client, awarded):
    award, officer, *_ = awarded
    contract = draft_contract(award, officer)
    client.force_login(officer)
    response = client.post(
        reverse("procurement:contract_sign", args=[contract.pk]),
        {"signed_copy": pdf_with("signed", name="contract.pdf")},
    )
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.status == "signed"
    assert client.post(reverse("procurement:contract_publish", args=[contract.pk])).status_code == 302
    contract.refresh_from_db()
    assert contract.status == "active" and contract.progress_reports.exists()


def test_signing_while_a_challenge_is_open_shows_why_and_signs_nothing(client, awarded):
    award, officer, _winner, others, stranger = awarded
    contract = draft_contract(award, officer)
    result_challenge_file(actor=others[0], award=award, text="评分有误，请复核")
    with pytest.raises(ValidationError) as refused:
        contract_sign(actor=officer, contract=contract, signed_copy=pdf_with("x", name="c.pdf"))
    client.force_login(officer)
    response = client.post(
        reverse("procurement:contract_sign", args=[contract.pk]),
        {"signed_copy": pdf_with("signed", name="contract.pdf")},
        follow=True,
    )
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert messages == refused.value.messages  # the service's reason, in the UI language
    contract.refresh_from_db()
    assert contract.status == "draft" and contract.signed_at is None
    client.force_login(stranger)
    assert client.post(reverse("procurement:contract_sign", args=[contract.pk])).status_code == 404


def test_signing_without_the_signed_copy_shows_the_error(client, awarded):
    award, officer, *_ = awarded
    contract = draft_contract(award, officer)
    client.force_login(officer)
    response = client.post(reverse("procurement:contract_sign", args=[contract.pk]), {}, follow=True)
    assert response.status_code == 200 and len(list(response.context["messages"])) == 1
    assert Contract.objects.get(pk=contract.pk).status == "draft"


# --- amendments -------------------------------------------------------------------------------------


def test_the_officer_records_an_amendment_and_the_history_is_shown(client, active):
    contract, officer, winner, *_ = active
    target = contract.targets.order_by("sort_order").first()
    client.force_login(officer)
    url = reverse("procurement:contract_amend", args=[contract.pk])
    assert client.get(url).status_code == 200
    new_end = contract.ends_on - dt.timedelta(days=10)
    response = client.post(
        url,
        {
            "reason": "服务范围调整，增加两个社区。", "amount": str(contract.amount + 10000),
            "ends_on": new_end.isoformat(), "targets_change": "服务人次目标调整", "retire_targets": [target.pk],
            "new-TOTAL_FORMS": "2", "new-INITIAL_FORMS": "0",
            "new-0-name": "服务人次", "new-0-measure": "≥ 1500 人次", "new-0-weight": "60",
        },
    )  # fmt: skip
    assert response.status_code == 302, _body(response)
    amendment = ContractAmendment.objects.get(contract=contract)
    assert amendment.amount_after == contract.amount + 10000 and amendment.ends_on_after == new_end
    target.refresh_from_db()
    assert target.retired_by == amendment and contract.targets.filter(added_by=amendment).count() == 1
    client.force_login(winner)
    page = _body(client.get(reverse("procurement:contract_detail", args=[contract.pk])))
    assert "data-amendments" in page and "服务范围调整" in page


def test_an_amendment_without_a_reason_or_below_what_is_paid_is_refused_without_a_row(client, active):
    contract, officer, *_ = active
    payment_record(
        actor=officer,
        contract=contract,
        kind="advance",
        treasury_reference="GK1",
        paid_on=timezone.localdate(),
    )
    client.force_login(officer)
    url = reverse("procurement:contract_amend", args=[contract.pk])
    base = {"new-TOTAL_FORMS": "2", "new-INITIAL_FORMS": "0"}
    response = client.post(url, {**base, "reason": "", "amount": "5"})
    assert response.status_code == 200 and 'class="error"' in _body(response)
    response = client.post(url, {**base, "reason": "减少预算", "amount": "5"})
    assert response.status_code == 200 and 'role="alert"' in _body(response)
    assert not ContractAmendment.objects.filter(contract=contract).exists()


def test_the_amendment_page_is_refused_to_others(client, active):
    contract, _officer, winner, others, stranger = active
    url = reverse("procurement:contract_amend", args=[contract.pk])
    for user in (stranger, winner, others[0]):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"reason": "x", "amount": "1"}).status_code == 404
    assert not ContractAmendment.objects.exists()


# --- service recipients' opinions and deliverables ------------------------------------------------------


@pytest.fixture
def submitted(awarded):
    award, officer, winner, others, stranger = awarded
    contract = active_contract(award, officer, requires_recipient_opinion=True)
    milestone = contract.milestones.order_by("number").first()
    milestone_submit(actor=winner, milestone=milestone, text="第一阶段服务成果")
    return contract, milestone, officer, winner, others, stranger


def test_the_officer_records_an_opinion_then_accepts(client, submitted):
    _contract, milestone, officer, *_ = submitted
    client.force_login(officer)
    decide = reverse("procurement:milestone_decide", args=[milestone.pk])
    assert "data-opinion-form" in _body(client.get(decide))
    refused = client.post(decide, {"decision": "accept", "reason": ""})
    assert refused.status_code == 200 and 'role="alert"' in _body(refused)
    response = client.post(
        reverse("procurement:milestone_opinion", args=[milestone.pk]),
        {"recipient": "社区老人代表", "satisfied": "on", "opinion": "上门服务及时，态度好。"},
    )
    assert response.status_code == 302
    assert "社区老人代表" in _body(client.get(decide))
    assert client.post(decide, {"decision": "accept", "reason": "合格"}).status_code == 302
    milestone.refresh_from_db()
    assert milestone.status == "accepted"


def test_an_empty_opinion_is_refused_without_a_row(client, submitted):
    _contract, milestone, officer, *_ = submitted
    client.force_login(officer)
    response = client.post(
        reverse("procurement:milestone_opinion", args=[milestone.pk]), {"recipient": "", "opinion": ""}
    )
    assert response.status_code == 200 and 'class="error"' in _body(response)
    assert not RecipientOpinion.objects.exists()


def test_opinions_are_refused_to_others(client, submitted):
    _contract, milestone, _officer, winner, others, stranger = submitted
    url = reverse("procurement:milestone_opinion", args=[milestone.pk])
    for user in (stranger, winner, others[0]):
        client.force_login(user)
        assert client.post(url, {"recipient": "代表", "opinion": "好"}).status_code == 404
    assert not RecipientOpinion.objects.exists()


# --- progress reports ------------------------------------------------------------------------------


def _submitted_report(contract, winner):
    report = contract.progress_reports.order_by("number").first()
    progress_report_submit(actor=winner, report=report, work_done="本月上门服务320人次。")
    return report


def test_the_officer_returns_a_report_then_accepts_the_resubmission(client, active):
    contract, officer, winner, *_ = active
    report = _submitted_report(contract, winner)
    client.force_login(officer)
    url = reverse("procurement:progress_report_review", args=[report.pk])
    page = client.get(url)
    assert page.status_code == 200 and "本月上门服务320人次" in _body(page)
    missing = client.post(url, {"decision": "return", "note": ""})
    assert missing.status_code == 200 and 'role="alert"' in _body(missing)
    assert ProgressReport.objects.get(pk=report.pk).status == "submitted"
    assert client.post(url, {"decision": "return", "note": "请补充服务对象名册。"}).status_code == 302
    report.refresh_from_db()
    assert report.status == "due" and report.submitted_at is None and report.work_done
    progress_report_submit(actor=winner, report=report, work_done="本月上门服务320人次，附名册。")
    assert client.post(url, {"decision": "accept", "note": "已阅"}).status_code == 302
    assert ProgressReport.objects.get(pk=report.pk).status == "reviewed"


def test_report_review_is_refused_to_others(client, active):
    contract, _officer, winner, others, stranger = active
    report = _submitted_report(contract, winner)
    url = reverse("procurement:progress_report_review", args=[report.pk])
    for user in (stranger, winner, others[0]):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"decision": "accept"}).status_code == 404
    assert ProgressReport.objects.get(pk=report.pk).status == "submitted"


# --- completion and termination --------------------------------------------------------------------------


def test_termination_asks_for_confirmation_and_a_reason(client, active):
    contract, officer, *_ = active
    client.force_login(officer)
    url = reverse("procurement:contract_terminate", args=[contract.pk])
    page = client.get(url)
    assert page.status_code == 200 and "data-confirm" in _body(page)
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 200 and 'class="error"' in _body(refused)
    assert Contract.objects.get(pk=contract.pk).status == "active"
    assert client.post(url, {"reason": "服务机构严重违约。"}).status_code == 302
    contract.refresh_from_db()
    assert contract.status == "terminated" and contract.termination_reason == "服务机构严重违约。"


def test_completion_is_refused_with_open_milestones_then_confirmed(client, active):
    contract, officer, winner, *_ = active
    client.force_login(officer)
    url = reverse("procurement:contract_complete", args=[contract.pk])
    assert "data-confirm" in _body(client.get(url))
    response = client.post(url, follow=True)
    assert response.status_code == 200 and len(list(response.context["messages"])) == 1
    assert Contract.objects.get(pk=contract.pk).status == "active"
    for milestone in contract.milestones.all():
        milestone_submit(actor=winner, milestone=milestone, text="成果")
        milestone_accept(actor=officer, milestone=milestone)
    assert client.post(url).status_code == 302
    assert Contract.objects.get(pk=contract.pk).status == "completed"


def test_ending_a_contract_is_refused_to_others(client, active):
    contract, _officer, winner, others, stranger = active
    for user in (stranger, winner, others[0], staff_user(Role.SUPERVISOR)):
        client.force_login(user)
        for name in ("contract_complete", "contract_terminate"):
            url = reverse(f"procurement:{name}", args=[contract.pk])
            assert client.get(url).status_code == 404
            assert client.post(url, {"reason": "x"}).status_code == 404
    assert Contract.objects.get(pk=contract.pk).status == "active"


# --- performance evaluation ------------------------------------------------------------------------------


def _scores(contract, value):
    return {f"score_{t.pk}": str(value) for t in contract.targets.filter(retired_by__isnull=True)}


def test_the_evaluation_workflow_shows_the_total_and_grade_before_publishing(client, active):
    contract, officer, *_ = active
    client.force_login(officer)
    response = client.post(reverse("procurement:evaluation_open", args=[contract.pk]), {"kind": "final"})
    evaluation = PerformanceEvaluation.objects.get(contract=contract)
    url = reverse("procurement:evaluation_detail", args=[evaluation.pk])
    assert response.status_code == 302 and response.url == url
    invalid = client.post(url, {"action": "scores", **_scores(contract, 120)})
    assert invalid.status_code == 200 and 'class="error"' in _body(invalid)
    assert not TargetScore.objects.exists()
    assert (
        client.post(url, {"action": "scores", "comment": "按期完成", **_scores(contract, 92)}).status_code
        == 302
    )
    assert (
        client.post(
            url, {"action": "third_party", "assessor": "某评估机构", "score": "88", "comment": ""}
        ).status_code
        == 302
    )
    survey_tokens_issue(actor=officer, evaluation=evaluation, count=2)
    page = _body(client.get(url))
    assert "data-preview-total" in page and "data-publish-form" in page
    evaluation.refresh_from_db()
    assert evaluation.status == "open" and evaluation.purchaser_score == D("92.00")
    assert client.post(url, {"action": "publish"}).status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.status == "published" and evaluation.grade == "excellent"
    page = _body(client.get(url))
    assert 'data-grade="excellent"' in page and "data-publish-form" not in page


def test_publishing_without_scores_shows_why(client, active):
    contract, officer, *_ = active
    evaluation = evaluation_open(actor=officer, contract=contract)
    client.force_login(officer)
    response = client.post(
        reverse("procurement:evaluation_detail", args=[evaluation.pk]), {"action": "publish"}
    )
    assert response.status_code == 200 and 'role="alert"' in _body(response)
    assert PerformanceEvaluation.objects.get(pk=evaluation.pk).status == "open"


def test_opening_twice_shows_the_error(client, active):
    contract, officer, *_ = active
    evaluation_open(actor=officer, contract=contract)
    client.force_login(officer)
    response = client.post(reverse("procurement:evaluation_open", args=[contract.pk]), {"kind": "final"})
    assert response.status_code == 200 and 'role="alert"' in _body(response)
    assert PerformanceEvaluation.objects.filter(contract=contract).count() == 1


def test_the_evaluation_is_read_only_for_supervisors_and_refused_to_others(client, active):
    contract, officer, winner, others, stranger = active
    evaluation = evaluation_open(actor=officer, contract=contract)
    url = reverse("procurement:evaluation_detail", args=[evaluation.pk])
    client.force_login(staff_user(Role.SUPERVISOR))
    page = client.get(url)
    assert page.status_code == 200 and "data-scores-form" not in _body(page)
    assert client.post(url, {"action": "scores", **_scores(contract, 90)}).status_code == 404
    for user in (stranger, winner, others[0]):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"action": "publish"}).status_code == 404
        assert (
            client.post(
                reverse("procurement:evaluation_open", args=[contract.pk]), {"kind": "mid_term"}
            ).status_code
            == 404
        )
    evaluation.refresh_from_db()
    assert evaluation.purchaser_score is None and evaluation.status == "open"
