"""Journey, in a real browser at 1280 and 375 px: after a few reports from one connection the public
report form asks a small sum (no script, no outside service); a wrong answer is refused with a new
question and writes nothing, the right answer files the report."""

import copy
import re

import pytest
from django.urls import reverse

from core.throttle import CHALLENGE_FIELD
from procurement.models import PublicReport, TenderStatus
from tests.procurement.factories import TenderFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def fill_report(page, reference: str, text: str) -> None:
    page.check("input[name=target_kind][value=tender]")
    page.fill("input[name=target_reference]", reference)
    page.fill("textarea[name=description]", text)
    page.fill("input[name=contact_email]", "citizen@example.org")


def post(page) -> None:
    with page.expect_navigation():
        page.click("form.form button[type=submit]")


def solve(page) -> int:
    label = page.inner_text(f"label[for=id_{CHALLENGE_FIELD}_0]")
    match = re.search(r"(\d+)\s*([+−])\s*(\d+)\s*等于多少", label)
    assert match, f"the question is asked in Chinese: {label!r}"
    a, op, b = int(match[1]), match[2], int(match[3])
    return a + b if op == "+" else a - b


def test_the_report_form_asks_a_sum_after_a_few_reports_and_only_the_right_answer_files(
    page, journey, settings
):
    throttles = copy.deepcopy(settings.THROTTLES)
    throttles["public_report"]["challenge_after"] = 1
    settings.THROTTLES = throttles
    tender = TenderFactory(status=TenderStatus.PUBLISHED, reference="MZ-2026-E2E02")
    form_url = reverse("procurement:public_report_file")

    page.goto(form_url)
    assert page.locator(f"[name={CHALLENGE_FIELD}_answer]").count() == 0, "no question at first"
    fill_report(page, tender.reference, "第一次举报：服务人员未按约定上门。")
    post(page)
    assert page.url.endswith(reverse("procurement:public_report_filed"))

    page.goto(form_url)
    answer = solve(page)
    journey.step(page, "report form with a sum")
    fill_report(page, tender.reference, "第二次举报：台账与实际服务不符。")
    page.fill(f"[name={CHALLENGE_FIELD}_answer]", str(answer + 1))
    post(page)
    assert "答案不对" in page.inner_text("main")
    assert PublicReport.objects.count() == 1, "a wrong answer writes nothing"
    journey.step(page, "wrong answer refused")

    page.fill(f"[name={CHALLENGE_FIELD}_answer]", str(solve(page)))
    post(page)
    assert page.url.endswith(reverse("procurement:public_report_filed"))
    assert PublicReport.objects.count() == 2
    journey.step(page, "report filed after the sum")
