"""The status machine of a public report as data: every allowed transition passes its check, every
other pair is refused, each names a real service, and a service asked for a forbidden transition
refuses and writes nothing."""

import itertools

import pytest
from django.core.exceptions import ValidationError

from accounts.roles import Role
from audit.models import Event
from procurement.models import PublicReport, PublicReportOutcome, PublicReportStatus, TenderStatus
from procurement.supervision.services import public_reports
from procurement.supervision.services.public_reports import (
    public_report_accept,
    public_report_conclude,
    public_report_decline,
)
from procurement.supervision.transitions import PUBLIC_REPORT_TRANSITIONS, check_public_report_transition
from tests.factories import staff_user
from tests.procurement.factories import TenderFactory
from tests.procurement.supervising import file_report

S = PublicReportStatus


@pytest.mark.parametrize(("current", "target"), list(PUBLIC_REPORT_TRANSITIONS))
def test_every_allowed_transition_passes_its_check(current, target):
    check_public_report_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [pair for pair in itertools.product(S.values, S.values) if pair not in PUBLIC_REPORT_TRANSITIONS],
)
def test_every_other_transition_is_refused(current, target):
    with pytest.raises(ValidationError) as error:
        check_public_report_transition(current, target)
    assert error.value.code == "transition_not_allowed"


def test_declined_and_concluded_are_final():
    assert not [pair for pair in PUBLIC_REPORT_TRANSITIONS if pair[0] in (S.DECLINED, S.CONCLUDED)]


@pytest.mark.parametrize("name", sorted(set(PUBLIC_REPORT_TRANSITIONS.values())))
def test_each_transition_names_a_real_service(name):
    assert callable(getattr(public_reports, name))


@pytest.mark.django_db
def test_a_forbidden_transition_through_the_services_is_refused_and_writes_nothing():
    supervisor = staff_user(Role.SUPERVISOR)
    report = file_report(tender=TenderFactory(status=TenderStatus.PUBLISHED))
    events = Event.objects.count()

    # submitted → concluded skips the acceptance.
    with pytest.raises(ValidationError):
        public_report_conclude(
            actor=supervisor, report=report, outcome=PublicReportOutcome.SUBSTANTIATED, summary="属实。"
        )
    report = PublicReport.objects.get(pk=report.pk)
    assert (report.status, report.outcome, report.concluded_at) == (S.SUBMITTED, "", None)
    assert Event.objects.count() == events

    # accepted → declined: the decision on acceptance is taken once.
    public_report_accept(actor=supervisor, report=report, handler=supervisor)
    events = Event.objects.count()
    with pytest.raises(ValidationError):
        public_report_decline(actor=supervisor, report=report, reason="不属于受理范围。")
    report = PublicReport.objects.get(pk=report.pk)
    assert (report.status, report.decline_reason) == (S.ACCEPTED, "")
    assert Event.objects.count() == events
