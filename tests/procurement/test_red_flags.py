"""Red flags (issue 14, point 6; procurement.supervision.red_flags): each flag's positive and
negative case, nothing read before it is public (no bid before the opening, no panel finding before
the award notice, no unpublished contract), a fixed number of queries for any number of processes,
the defaults of the thresholds, the call page and the portal page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from cms.calls import CallForBidsIndexPage, CallForBidsPage
from procurement import rules
from procurement.models import BidOpening, Lot, ScoringCriterion, TenderStatus, TenderSuspension
from procurement.supervision import red_flags
from procurement.supervision.red_flags import flags_for_tender, flags_for_tenders
from tests.factories import DepartmentFactory, UserFactory
from tests.orgs.factories import OrganizationFactory
from tests.procurement.flagging import (
    amend,
    award,
    awarded_call,
    contract,
    milestone,
    open_bids,
    panel_rejects,
    pay,
    public_call,
    sealed_bid,
)

pytestmark = pytest.mark.django_db
D = Decimal
SHANGHAI_10AM = dt.time(10, 0)


def codes(tender) -> list[str]:
    return [flag.code for flag in flags_for_tender(tender)]


def explanation(tender, code) -> str:
    with translation.override("zh-hans"):
        found = [flag for flag in flags_for_tender(tender) if flag.code == code]
    assert found, f"no {code} flag"
    return found[0].explanation


def local(day: dt.date, time=SHANGHAI_10AM) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time))


# --- the defaults ---------------------------------------------------------------------------------


def test_defaults_of_the_thresholds():
    periods = rules.red_flag_submission_periods()
    assert periods["open_tender"] == (20, rules.CALENDAR_DAYS)
    assert periods["competitive_consultation"] == (10, rules.CALENDAR_DAYS)
    assert periods["request_for_quotation"] == (3, rules.WORKING_DAYS)
    assert rules.red_flag_single_bid_exempt_methods() == ("single_source",)
    assert rules.red_flag_even_spacing_min_bids() == 3
    assert rules.red_flag_even_spacing_tolerance() == D("0.01")
    assert rules.red_flag_concentration_share() == D("0.5")
    assert rules.red_flag_concentration_min_calls() == 5
    assert rules.red_flag_lowest_disqualified_min_price_points() == D("30")
    assert rules.red_flag_amendment_increase_percent() == D("10")


def test_the_statutory_period_is_not_the_bureau_s_editable_row(settings):
    """Lowering the method's row below the law does not silence the flag; the named setting does."""
    tender = public_call(method_code="competitive_consultation", days=7)
    tender.method.minimum_bidding_period = 5
    tender.method.save()
    assert red_flags.SHORT_SUBMISSION_PERIOD in codes(tender)
    settings.PROCUREMENT_RED_FLAG_SUBMISSION_PERIODS = {"competitive_consultation": [5, "calendar_days"]}
    assert red_flags.SHORT_SUBMISSION_PERIOD not in codes(tender)


# --- short submission period --------------------------------------------------------------------


def test_short_submission_period_in_calendar_days():
    published = local(dt.date(2026, 3, 2))
    tender = public_call(method_code="competitive_consultation", published_at=published, days=7)
    assert codes(tender) == [red_flags.SHORT_SUBMISSION_PERIOD]
    text = explanation(tender, red_flags.SHORT_SUBMISSION_PERIOD)
    assert "2026-03-02 10:00" in text and "2026-03-09 10:00" in text
    assert "不足 8 天" in text and "竞争性磋商法定最短 10 天" in text


def test_a_period_of_the_legal_minimum_is_not_flagged():
    published = local(dt.date(2026, 3, 2))
    assert codes(public_call(method_code="competitive_consultation", published_at=published, days=10)) == []
    assert codes(public_call(method_code="open_tender", published_at=published, days=20)) == []
    assert codes(public_call(method_code="open_tender", published_at=published, days=19)) == [
        red_flags.SHORT_SUBMISSION_PERIOD
    ]


def test_short_submission_period_counts_working_days_on_the_official_calendar():
    """询价: 3 working days. Published 30 September 2026, before the National Day holiday (1–7
    October; Saturday 10 October is a make-up working day)."""
    published = local(dt.date(2026, 9, 30))
    eight_days = public_call(
        method_code="request_for_quotation", published_at=published, deadline=local(dt.date(2026, 10, 8))
    )
    assert codes(eight_days) == [red_flags.SHORT_SUBMISSION_PERIOD]
    assert "仅 1 个工作日" in explanation(eight_days, red_flags.SHORT_SUBMISSION_PERIOD)
    # 8, 9 and the make-up Saturday 10 October: three working days.
    enough = public_call(
        method_code="request_for_quotation", published_at=published, deadline=local(dt.date(2026, 10, 10))
    )
    assert codes(enough) == []


def test_time_suspended_does_not_count_as_bidding_time():
    published = local(dt.date(2026, 3, 2))
    tender = public_call(method_code="competitive_consultation", published_at=published, days=13)
    assert codes(tender) == []
    TenderSuspension.objects.create(
        tender=tender,
        reason="质疑处理中",
        suspended_at=published + dt.timedelta(days=2),
        suspended_by=UserFactory(),
        resumed_at=published + dt.timedelta(days=6),
    )
    assert codes(tender) == [red_flags.SHORT_SUBMISSION_PERIOD]
    assert "不含暂停投标的时间" in explanation(tender, red_flags.SHORT_SUBMISSION_PERIOD)


def test_a_deadline_not_after_publication_is_not_measured():
    """Set back by hand (the demo's passed deadlines): no period to compare, no sentence of 0 days."""
    published = local(dt.date(2026, 3, 2))
    assert codes(public_call(published_at=published, deadline=published - dt.timedelta(hours=2))) == []
    assert codes(public_call(published_at=published, deadline=published)) == []


def test_drafts_and_calls_awaiting_approval_have_no_flags():
    for status in (TenderStatus.DRAFT, TenderStatus.PENDING_APPROVAL):
        tender = public_call(days=2, status=status)
        assert flags_for_tender(tender) == []


# --- bids: single, identical, evenly spaced; nothing before the opening ------------------------------


def test_single_bid_after_the_opening():
    tender = public_call()
    open_bids(tender, ["450000"])
    assert codes(tender) == [red_flags.SINGLE_BID]
    assert "开标时只收到 1 份投标" in explanation(tender, red_flags.SINGLE_BID)


def test_two_bids_or_a_single_source_are_not_a_single_bid():
    two = public_call()
    open_bids(two, ["450000", "470000"])
    assert codes(two) == []
    single_source = public_call(method_code="single_source", days=30)
    open_bids(single_source, ["450000"])
    assert codes(single_source) == []


def test_nothing_about_bids_before_the_opening():
    """Sealed bids exist, the deadline passed, the call is closed: no flag reads them."""
    tender = public_call()
    for status in (TenderStatus.PUBLISHED, TenderStatus.CLOSED):
        tender.status = status
        tender.save(update_fields=["status"])
        organization = OrganizationFactory()
        sealed_bid(tender, organization)
        assert flags_for_tender(tender) == []
    page = red_flags.flagged_processes()
    assert [p.tender.pk for p in page] == []


def test_a_record_of_a_call_not_in_an_opened_state_is_not_read():
    """The same rule as the opening record page (`can_view_opening_record`)."""
    tender = public_call()
    open_bids(tender, ["450000"], status=TenderStatus.CANCELLED)
    assert codes(tender) == []


def test_a_flag_of_one_lot_names_the_lot():
    tender = public_call()
    first = tender.lots.get()
    open_bids(tender, ["450000", "470000"])
    second = Lot.objects.create(tender=tender, number=2, title="助浴服务包", ceiling=D("200000"))
    ScoringCriterion.objects.create(lot=second, name="价格", max_points=D("30"), is_price=True)
    opening = BidOpening.objects.get(tender=tender)
    lot_one = opening.record["lots"][0]
    lone = {**lot_one["bids"][0], "bid": lot_one["bids"][0]["bid"] + 1000, "price": "180000.00"}
    opening.record["lots"].append(
        {**lot_one, "lot": second.pk, "number": 2, "title": str(second), "bids": [lone]}
    )
    opening.save(update_fields=["record"])
    assert first.number == 1
    assert codes(tender) == [red_flags.SINGLE_BID]
    assert explanation(tender, red_flags.SINGLE_BID).startswith("助浴服务包：开标时只收到 1 份投标")


def test_identical_bid_prices():
    tender = public_call()
    open_bids(tender, ["500000", "480000", "500000"])
    assert codes(tender) == [red_flags.IDENTICAL_BID_PRICES]
    assert "2 份投标的报价相同，均为 ¥500,000.00" in explanation(tender, red_flags.IDENTICAL_BID_PRICES)


def test_different_prices_are_not_identical():
    tender = public_call()
    open_bids(tender, ["500000", "480000"])
    assert codes(tender) == []


def test_evenly_spaced_bid_prices():
    exact = public_call()
    open_bids(exact, ["450000", "400000", "500000"])
    assert codes(exact) == [red_flags.EVENLY_SPACED_BID_PRICES]
    text = explanation(exact, red_flags.EVENLY_SPACED_BID_PRICES)
    assert "¥400,000.00、¥450,000.00、¥500,000.00" in text and "约 ¥50,000.00" in text
    # Gaps 50,000 and 50,400 differ by less than 1% of the larger.
    near = public_call()
    open_bids(near, ["400000", "450000", "500400"])
    assert codes(near) == [red_flags.EVENLY_SPACED_BID_PRICES]


def test_uneven_or_too_few_prices_are_not_evenly_spaced():
    uneven = public_call()
    open_bids(uneven, ["400000", "450000", "520000"])
    assert codes(uneven) == []
    two = public_call()
    open_bids(two, ["400000", "450000"])
    assert codes(two) == []


# --- disqualifications -------------------------------------------------------------------------


def test_lowest_bid_disqualified_at_the_opening():
    tender = public_call(price_points="30")
    open_bids(tender, ["400000", "450000", "520000"], nonresponsive=[0])
    assert codes(tender) == [red_flags.LOWEST_BID_DISQUALIFIED]
    text = explanation(tender, red_flags.LOWEST_BID_DISQUALIFIED)
    assert "¥400,000.00" in text and "30 分" in text


def test_lowest_bid_disqualified_where_price_weighs_little_is_not_flagged():
    tender = public_call(price_points="20")
    open_bids(tender, ["400000", "450000", "520000"], nonresponsive=[0])
    assert codes(tender) == []


def test_lowest_bid_responsive_is_not_flagged():
    tender = public_call(price_points="100")
    open_bids(tender, ["400000", "450000", "520000"], nonresponsive=[1])
    assert codes(tender) == []


def test_the_panel_s_findings_count_only_from_the_award_notice():
    tender = public_call(price_points="30")
    low, middle, _high = open_bids(tender, ["400000", "450000", "520000"])
    panel_rejects(tender, low)
    the_award = award(tender, middle, notice=False)
    assert codes(tender) == []
    the_award.notice_published_at = timezone.now()
    the_award.save(update_fields=["notice_published_at"])
    assert codes(tender) == [red_flags.LOWEST_BID_DISQUALIFIED]
    # A cancelled award's notice no longer speaks for the lot.
    the_award.status = "cancelled"
    the_award.save(update_fields=["status"])
    assert codes(tender) == []


def test_all_but_the_winner_disqualified():
    tender = public_call(price_points="20")
    _low, middle, high = open_bids(tender, ["400000", "450000", "520000"], nonresponsive=[0])
    panel_rejects(tender, high)
    award(tender, middle)
    assert codes(tender) == [red_flags.ALL_BUT_WINNER_DISQUALIFIED]
    assert "其余 2 份投标均被认定为无效投标" in explanation(tender, red_flags.ALL_BUT_WINNER_DISQUALIFIED)


def test_another_responsive_bid_or_no_notice_is_not_all_but_the_winner():
    tender = public_call(price_points="20")
    _low, middle, _high = open_bids(tender, ["400000", "450000", "520000"], nonresponsive=[0])
    award(tender, middle)
    assert codes(tender) == []
    hidden = public_call(price_points="20")
    _low, middle, high = open_bids(hidden, ["400000", "450000", "520000"], nonresponsive=[0])
    panel_rejects(hidden, high)
    award(hidden, middle, notice=False)
    assert codes(hidden) == []


# --- the same winner for one department ------------------------------------------------------------


def test_same_winner_of_most_of_a_department_s_calls():
    department = DepartmentFactory(name="鼓楼区民政局")
    favourite = OrganizationFactory(name="阳光助残服务社")
    when = local(dt.date(2026, 5, 6))
    won = [awarded_call(department=department, organization=favourite, notice_at=when) for _ in range(3)]
    lost = [
        awarded_call(department=department, organization=OrganizationFactory(), notice_at=when)
        for _ in range(2)
    ]
    assert codes(won[0].tender) == [red_flags.WINNER_CONCENTRATION]
    text = explanation(won[0].tender, red_flags.WINNER_CONCENTRATION)
    assert text == "2026 年，鼓楼区民政局已公告结果的 5 个项目中，阳光助残服务社中标 3 个（占 60%）。"
    assert codes(lost[0].tender) == []


def test_half_of_the_calls_or_too_few_calls_are_not_flagged():
    department = DepartmentFactory()
    favourite = OrganizationFactory()
    when = local(dt.date(2026, 5, 6))
    won = [awarded_call(department=department, organization=favourite, notice_at=when) for _ in range(3)]
    for _ in range(3):
        awarded_call(department=department, organization=OrganizationFactory(), notice_at=when)
    assert codes(won[0].tender) == []  # 3 of 6: not more than half

    small = DepartmentFactory()
    few = [awarded_call(department=small, organization=favourite, notice_at=when) for _ in range(4)]
    assert codes(few[0].tender) == []  # 4 of 4, but fewer than 5 calls


def test_calls_of_another_year_or_without_notice_do_not_count():
    department = DepartmentFactory()
    favourite = OrganizationFactory()
    this_year = local(dt.date(2026, 5, 6))
    last_year = local(dt.date(2025, 5, 6))
    won = [awarded_call(department=department, organization=favourite, notice_at=this_year) for _ in range(3)]
    awarded_call(department=department, organization=OrganizationFactory(), notice_at=this_year)
    awarded_call(department=department, organization=OrganizationFactory(), notice_at=last_year)
    assert codes(won[0].tender) == []  # 3 of 4 this year: fewer than 5 calls
    last = awarded_call(department=department, organization=OrganizationFactory(), notice_at=this_year)
    assert codes(won[0].tender) == [red_flags.WINNER_CONCENTRATION]  # 3 of 5
    last.notice_published_at = None
    last.save(update_fields=["notice_published_at"])
    assert codes(won[0].tender) == []


# --- contracts --------------------------------------------------------------------------------------


def test_contract_amended_above_ten_percent():
    the_award = awarded_call(
        department=DepartmentFactory(), organization=OrganizationFactory(), price="500000"
    )
    the_contract = contract(the_award)
    amend(the_contract, "560000")
    assert codes(the_award.tender) == [red_flags.CONTRACT_AMENDED_ABOVE_THRESHOLD]
    text = explanation(the_award.tender, red_flags.CONTRACT_AMENDED_ABOVE_THRESHOLD)
    assert "¥500,000.00" in text and "¥560,000.00" in text and "增加 12%" in text and "上限为 10%" in text


def test_an_amendment_up_to_ten_percent_or_an_unpublished_contract_is_not_flagged():
    the_award = awarded_call(
        department=DepartmentFactory(), organization=OrganizationFactory(), price="500000"
    )
    amend(contract(the_award), "550000")
    assert codes(the_award.tender) == []
    hidden = awarded_call(department=DepartmentFactory(), organization=OrganizationFactory(), price="500000")
    amend(contract(hidden, published=False), "600000")
    assert codes(hidden.tender) == []


def test_a_raise_then_a_cut_is_still_flagged():
    the_award = awarded_call(
        department=DepartmentFactory(), organization=OrganizationFactory(), price="500000"
    )
    the_contract = contract(the_award)
    amend(the_contract, "600000", number=1)
    amend(the_contract, "500000", number=2)
    assert "第 1 次变更后增至 ¥600,000.00" in explanation(
        the_award.tender, red_flags.CONTRACT_AMENDED_ABOVE_THRESHOLD
    )


def test_payment_after_a_milestone_went_red():
    the_award = awarded_call(department=DepartmentFactory(), organization=OrganizationFactory())
    the_contract = contract(the_award)
    milestone(the_contract, number=1, due_on=dt.date(2026, 10, 12))
    pay(the_contract, paid_on=dt.date(2026, 10, 20))
    assert codes(the_award.tender) == [red_flags.PAYMENT_AFTER_RED_MILESTONE]
    text = explanation(the_award.tender, red_flags.PAYMENT_AFTER_RED_MILESTONE)
    assert "2026-10-20 支付了 ¥50,000.00" in text and "第 1 个履约节点（应于 2026-10-12 完成）" in text


def test_payments_before_the_due_date_or_after_acceptance_are_not_flagged():
    the_award = awarded_call(department=DepartmentFactory(), organization=OrganizationFactory())
    the_contract = contract(the_award)
    late_but_accepted = milestone(
        the_contract, number=1, due_on=dt.date(2026, 10, 12), accepted_on=dt.date(2026, 10, 15)
    )
    milestone(the_contract, number=2, due_on=dt.date(2026, 12, 31))
    pay(the_contract, paid_on=dt.date(2026, 10, 12))  # the due day itself: not red yet
    pay(the_contract, paid_on=dt.date(2026, 10, 16), kind="milestone", of=late_but_accepted)
    assert codes(the_award.tender) == []


# --- queries, the call page, the portal page ---------------------------------------------------------


def _full_process(department, organization):
    the_award = awarded_call(department=department, organization=organization, price="500000")
    the_contract = contract(the_award)
    amend(the_contract, "600000")
    milestone(the_contract, due_on=dt.date(2026, 10, 12))
    pay(the_contract, paid_on=dt.date(2026, 10, 20))
    TenderSuspension.objects.create(
        tender=the_award.tender,
        reason="质疑处理中",
        suspended_at=the_award.tender.published_at + dt.timedelta(days=1),
        suspended_by=UserFactory(),
        resumed_at=the_award.tender.published_at + dt.timedelta(days=2),
    )
    quote = public_call(method_code="request_for_quotation", days=2)
    open_bids(quote, ["100", "200", "300"], nonresponsive=[0])
    return [the_award.tender, quote]


def _queries(tenders) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as captured:
        result = flags_for_tenders(tenders)
    return len(captured.captured_queries), result


def test_a_fixed_number_of_queries_for_any_number_of_processes():
    department, organization = DepartmentFactory(), OrganizationFactory()
    one = _full_process(department, organization)
    few, flags = _queries(one)
    assert all(flags[t.pk] for t in one)
    many = one + [t for _ in range(4) for t in _full_process(DepartmentFactory(), OrganizationFactory())]
    count, flags = _queries(many)
    assert all(flags[t.pk] for t in many)
    assert count == few
    assert count <= 14


def test_flags_for_tenders_keys_every_tender_given():
    draft = public_call(status=TenderStatus.DRAFT)
    flagged = public_call(days=2)
    result = flags_for_tenders([draft, flagged])
    assert set(result) == {draft.pk, flagged.pk}
    assert result[draft.pk] == []
    assert [flag.code for flag in result[flagged.pk]] == [red_flags.SHORT_SUBMISSION_PERIOD]
    assert flags_for_tenders([]) == {}


def live_page(tender):
    index = CallForBidsIndexPage.objects.get()
    page = CallForBidsPage(title=tender.title, slug=f"call-{tender.pk}", tender=tender)
    index.add_child(instance=page)
    page.save_revision().publish()
    return page


def test_the_call_page_explains_its_flags(client):
    tender = public_call(days=7, title="社区助残服务项目")
    page = live_page(tender)
    # The page's own publication may have run the publish hook: keep the call as the test wrote it.
    tender.refresh_from_db()
    html = client.get(page.url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "风险信号" in html and "投标期限过短" in html and "不足 8 天" in html
    assert "不是对违法违规行为的认定" in html
    assert reverse("procurement:red_flag_list") in html


def test_a_call_page_without_flags_shows_no_flag_box(client):
    page = live_page(public_call(days=12))
    html = client.get(page.url).content.decode()
    assert "data-red-flags" not in html


def test_the_portal_page_lists_filters_and_paginates(client):
    url = reverse("procurement:red_flag_list")
    empty = client.get(url)
    assert empty.status_code == 200
    assert "不是对违法违规行为的认定" in empty.content.decode()
    assert "没有符合筛选条件" in empty.content.decode()

    civil = DepartmentFactory(name="玄武区民政局")
    short = public_call(
        days=7, department=civil, title="玄武区居家养老服务", published_at=local(dt.date(2026, 3, 2))
    )
    single = public_call(title="鼓楼区助残服务", published_at=local(dt.date(2025, 6, 2)))
    open_bids(single, ["450000"])
    public_call(days=12, title="没有问题的项目")
    live_page(short)

    html = client.get(url).content.decode()
    assert "玄武区居家养老服务" in html and "鼓楼区助残服务" in html and "没有问题的项目" not in html
    assert "共 2 个项目带有风险信号" in html
    assert "开标时只收到 1 份投标" in html

    by_type = client.get(url, {"flag": red_flags.SINGLE_BID}).content.decode()
    assert "鼓楼区助残服务" in by_type and "玄武区居家养老服务" not in by_type
    by_department = client.get(url, {"department": civil.pk}).content.decode()
    assert "玄武区居家养老服务" in by_department and "鼓楼区助残服务" not in by_department
    by_year = client.get(url, {"year": 2025}).content.decode()
    assert "鼓楼区助残服务" in by_year and "玄武区居家养老服务" not in by_year
    # The call with a live page links to it.
    assert f'href="{short.page.url}"' in html

    for _ in range(21):
        public_call(days=3)
    first = client.get(url).content.decode()
    assert "共 23 个项目带有风险信号" in first and "第 1 页，共 2 页" in first
    assert first.count("data-process=") == 20
    second = client.get(url, {"page": 2}).content.decode()
    assert second.count("data-process=") == 3 and "第 2 页，共 2 页" in second


def test_the_portal_page_reads_a_fixed_number_of_queries(client):
    for _ in range(3):
        _full_process(DepartmentFactory(), OrganizationFactory())
    url = reverse("procurement:red_flag_list")
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(5):
        _full_process(DepartmentFactory(), OrganizationFactory())
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_download_has_the_filtered_flags(client):
    short = public_call(days=7, title="玄武区居家养老服务")
    single = public_call(title="鼓楼区助残服务")
    open_bids(single, ["450000"])
    url = reverse("procurement:red_flag_list")
    assert 'data-export="csv"' in client.get(url).content.decode()
    response = client.get(url, {"flag": red_flags.SINGLE_BID, "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0] == "项目编号,项目名称,采购单位,采购方式,发布时间,风险信号,说明"
    assert len(lines) == 2
    assert lines[1].startswith(f"{single.reference},鼓楼区助残服务,") and "仅一份投标" in lines[1]
    assert short.reference not in "\n".join(lines)
    everything = client.get(url, {"format": "xlsx"})
    assert everything.status_code == 200 and "spreadsheetml" in everything["Content-Type"]


def test_an_unknown_filter_value_is_refused_on_the_page(client):
    single = public_call(title="鼓楼区助残服务")
    open_bids(single, ["450000"])
    html = client.get(reverse("procurement:red_flag_list"), {"flag": "nonsense"}).content.decode()
    assert 'class="error"' in html
    assert "鼓楼区助残服务" in html  # the filters that fail are not applied


def test_the_call_page_s_tender_is_not_read_again_for_its_flags():
    """The call page's tender (read with its lots and criteria by `tender_public_state`) gives the
    same flags as reading the process afresh, in three queries fewer."""
    from procurement.tendering.selectors import tender_public_state

    short = public_call(days=7)
    lowest_out = public_call(price_points="30")
    open_bids(lowest_out, ["400000", "450000", "520000"], nonresponsive=[0])
    two_lots = public_call()
    open_bids(two_lots, ["450000", "470000"])
    second = Lot.objects.create(tender=two_lots, number=2, title="助浴服务包", ceiling=D("200000"))
    ScoringCriterion.objects.create(lot=second, name="价格", max_points=D("30"), is_price=True)
    draft = public_call(status=TenderStatus.DRAFT)
    for tender in (short, lowest_out, two_lots, draft):
        state = tender_public_state(tender.pk)
        with CaptureQueriesContext(connection) as fresh_queries:
            fresh = flags_for_tenders([tender.pk])[tender.pk]
        with CaptureQueriesContext(connection) as page_queries:
            on_page = flags_for_tender(state.tender)
        assert [(f.code, f.explanation) for f in on_page] == [(f.code, f.explanation) for f in fresh]
        if tender is not draft:
            assert len(page_queries) == len(fresh_queries) - 3
    assert codes(short) == [red_flags.SHORT_SUBMISSION_PERIOD]
    assert codes(lowest_out) == [red_flags.LOWEST_BID_DISQUALIFIED]
    assert flags_for_tender(tender_public_state(draft.pk).tender) == []
