"""OCDS 1.1 at /api/ocds/ (issue 14, point 5): a completed process (through contract, milestones and
payments), a failed one and an amended one validate against the official OCDS 1.1.5 release,
release-package and record-package schemas and codelists (../shared/ocds/1.1.5, or OCDS_SCHEMA_DIR;
no network: the release schema is registered locally under its URL); plus structural assertions:
ocid prefix, parties by USCC, nothing unpublished or private, pagination and the date filter,
queries constant in the number of releases."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import json
import os
import re
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from cms import ocds
from cms.awards import ensure_award_notice_index
from cms.plans import PurchasingPlanIndexPage, PurchasingPlanPage
from procurement.contracts.services.amendments import contract_amend
from procurement.contracts.services.contracts import contract_complete
from procurement.contracts.services.payments import payment_record
from procurement.models import Award, PaymentKind, TenderStatus
from procurement.supervision import red_flags
from procurement.tendering.services.tenders import tender_amend, tender_cancel
from tests.procurement.bidding import (
    MARKER_PRICE,
    MARKER_PRICE_RENDERINGS,
    bidder,
    published_tender,
    submit,
)
from tests.procurement.contracting import accepted_milestone, active_contract, published_award
from tests.procurement.evaluating import opened_tender
from tests.procurement.factories import make_tender, method

pytestmark = pytest.mark.django_db

RELEASE_URL = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$")
DATE_KEYS = {
    "date",
    "startDate",
    "endDate",
    "dateSigned",
    "dueDate",
    "dateMet",
    "datePublished",
    "publishedDate",
}
# Personal data and private values of the scenarios (TenderFactory, OrganizationFactory, payments).
PRIVATE_MARKERS = ("李老师", "025-12345678", "张伟", "13800000000", "contact@example.org", "GK-", "联系人")
TREASURY_PREFIX = "GK-OCDS-"


# --- schemas --------------------------------------------------------------------------------------


def schema_dir() -> Path:
    configured = os.environ.get("OCDS_SCHEMA_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2].parent / "shared" / "ocds" / "1.1.5"


@pytest.fixture(scope="module")
def schemas():
    """The validators of the release, release package and record package (with the local redFlags
    extension patched into the release schema) and the codelists, all read from disk."""
    directory = schema_dir()
    needed = ["release-schema.json", "release-package-schema.json", "record-package-schema.json"]
    if not all((directory / name).is_file() for name in needed) or not (directory / "codelists").is_dir():
        message = f"OCDS 1.1.5 schemas not found in {directory} (set OCDS_SCHEMA_DIR)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    release = json.loads((directory / "release-schema.json").read_text(encoding="utf-8"))
    extended = copy.deepcopy(release)
    extended["properties"].update(ocds.RELEASE_SCHEMA_PATCH["properties"])
    extended["definitions"].update(ocds.RELEASE_SCHEMA_PATCH["definitions"])
    # the packages refer to the release schema by its URL: served from disk, never the network
    registry = Registry().with_resource(
        RELEASE_URL, Resource.from_contents(release, default_specification=DRAFT4)
    )

    def validator(schema):
        return Draft4Validator(schema, registry=registry, format_checker=Draft4Validator.FORMAT_CHECKER)

    codelists = {
        path.stem: {row["Code"] for row in csv.DictReader(path.open(encoding="utf-8"))}
        for path in (directory / "codelists").glob("*.csv")
    }
    return {
        "release": validator(release),
        "extended": validator(extended),
        "release-package": validator(
            json.loads((directory / "release-package-schema.json").read_text("utf-8"))
        ),
        "record-package": validator(
            json.loads((directory / "record-package-schema.json").read_text("utf-8"))
        ),
        "codelists": codelists,
    }


def assert_valid(validator, data):
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def walk(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key), key, item
            yield from walk(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, (*path, index))


def assert_codelists(release, codelists):
    """Every coded value is in its OCDS 1.1.5 codelist; dates are ISO 8601 with +08:00; money in CNY."""
    assert set(release["tag"]) <= codelists["releaseTag"]
    assert release["initiationType"] in codelists["initiationType"]
    for party in release.get("parties", []):
        assert party["roles"] and set(party["roles"]) <= codelists["partyRole"], party
    tender = release.get("tender", {})
    checks = [
        (tender.get("status"), "tenderStatus"),
        (tender.get("procurementMethod"), "method"),
        (tender.get("awardCriteria"), "awardCriteria"),
        (tender.get("mainProcurementCategory"), "procurementCategory"),
    ]
    checks += [(m, "submissionMethod") for m in tender.get("submissionMethod", [])]
    checks += [(a.get("status"), "awardStatus") for a in release.get("awards", [])]
    for contract in release.get("contracts", []):
        checks.append((contract.get("status"), "contractStatus"))
        for milestone in contract.get("implementation", {}).get("milestones", []):
            checks += [(milestone.get("status"), "milestoneStatus"), (milestone.get("type"), "milestoneType")]
    for value, codelist in checks:
        if value is not None:
            assert value in codelists[codelist], (codelist, value)
    if tender.get("mainProcurementCategory"):
        assert tender["mainProcurementCategory"] == "services"
    for path, key, value in walk(release):
        if key == "documentType":
            assert value in codelists["documentType"], (path, value)
        if key == "currency":
            assert value == "CNY"
        if key == "amount" and isinstance(value, dict) is False:
            assert isinstance(value, (int, float)) and not isinstance(value, bool), (path, value)
        if key in DATE_KEYS and isinstance(value, str):
            assert ISO_DATE.match(value), (path, value)
        if key == "url" and path[-3:-2] != ("links",):
            assert value.startswith(("http://", "https://")), (path, value)


def assert_parties_by_uscc(release):
    """Every organization of the platform's register is identified by its USCC (CN-USCC scheme); every
    reference points to a party of the release."""
    parties = {p["id"]: p for p in release.get("parties", [])}
    for party in parties.values():
        if party["id"].startswith("CN-USCC-"):
            assert party["identifier"]["scheme"] == "CN-USCC"
            assert party["id"] == f"CN-USCC-{party['identifier']['id']}"
            assert re.fullmatch(r"[0-9A-HJ-NPQRTUWXY]{18}", party["identifier"]["id"])
    references = [release["buyer"], *release.get("tender", {}).get("tenderers", [])]
    references += [s for a in release.get("awards", []) for s in a.get("suppliers", [])]
    for contract in release.get("contracts", []):
        for transaction in contract.get("implementation", {}).get("transactions", []):
            references += [transaction["payer"], transaction["payee"]]
    for ref in references:
        assert ref["id"] in parties, ref
        assert parties[ref["id"]]["name"] == ref["name"]
    for supplier in [s for a in release.get("awards", []) for s in a.get("suppliers", [])]:
        assert supplier["id"].startswith("CN-USCC-")
        assert "supplier" in parties[supplier["id"]]["roles"]


def assert_nothing_private(text: str):
    for marker in PRIVATE_MARKERS:
        assert marker not in text, marker
    for rendering in MARKER_PRICE_RENDERINGS:
        assert rendering not in text, rendering


def get_json(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    return response.json(), response.content.decode()


# --- scenarios ------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _no_portal_cache(settings):
    # the anonymous answer cache would answer the second request without a query
    settings.PORTAL_CACHE = {**getattr(settings, "PORTAL_CACHE", {}), "ENABLED": False}
    settings.OCDS_OCID_PREFIX = "ocds-t3st01"


def publish_plan_page(tender):
    """The plan's page published: its lines become public purchase intentions (the planning release)."""
    plan = tender.budget_line.plan
    index = PurchasingPlanIndexPage.objects.get()
    page = index.add_child(instance=PurchasingPlanPage(title=plan.title, slug=f"plan-{plan.pk}", plan=plan))
    page.save_revision().publish()


def contracted_process():
    """Award → contract published → the advance paid → the first milestone accepted and paid."""
    award, officer, winner, _others = published_award()
    publish_plan_page(award.tender)
    contract = active_contract(award, officer)
    payment_record(
        actor=officer,
        contract=contract,
        kind=PaymentKind.ADVANCE,
        treasury_reference=f"{TREASURY_PREFIX}0",
        paid_on=timezone.localdate(),
    )
    accept_and_pay(contract, officer, winner, contract.milestones.order_by("number").first())
    return award.tender, contract, officer, winner


def accept_and_pay(contract, officer, winner, milestone):
    accepted_milestone(contract, officer, winner, milestone)
    payment_record(
        actor=officer,
        contract=contract,
        kind=PaymentKind.MILESTONE,
        milestone=milestone,
        treasury_reference=f"{TREASURY_PREFIX}{milestone.number}",
        paid_on=timezone.localdate(),
    )


def finish(contract, officer, winner):
    """An amendment of the contract, the other milestones accepted and paid, then completed."""
    contract.refresh_from_db()
    contract_amend(
        actor=officer, contract=contract, reason="服务对象增加，相应增加服务量", amount=contract.amount + 1000
    )
    contract.refresh_from_db()
    for milestone in contract.milestones.exclude(accepted_at__isnull=False).order_by("number"):
        accept_and_pay(contract, officer, winner, milestone)
    contract_complete(actor=officer, contract=contract)
    contract.refresh_from_db()
    return contract


def completed_process():
    """Through contract, milestones and payments, amended and completed."""
    tender, contract, officer, winner = contracted_process()
    return tender, finish(contract, officer, winner), officer


def failed_process():
    """One bid where the method needs two: the opening fails the call."""
    tender, _officer, _bids, _users = opened_tender(prices=("800000",))
    tender.refresh_from_db()
    assert tender.status == TenderStatus.FAILED
    return tender


def amended_process():
    """A call amended twice (title and deadline, then the service description), still open, with a
    sealed bid (its price a marker that must appear nowhere)."""
    tender, officer = published_tender(days=30)
    publish_plan_page(tender)
    organization, user = bidder()
    submit(tender, organization, user, price=str(MARKER_PRICE))
    original = tender.title
    tender_amend(
        actor=officer,
        tender=tender,
        description="更正项目名称并延长投标截止时间。",
        changes={"title": f"{original}（更正）"},
        bid_deadline=tender.bid_deadline + dt.timedelta(days=5),
    )
    tender.refresh_from_db()
    tender_amend(
        actor=officer,
        tender=tender,
        description="补充服务内容。",
        changes={"service_description": "补充后的服务内容。"},
    )
    tender.refresh_from_db()
    return tender, original


def assert_release_package(schemas, package):
    assert_valid(schemas["release-package"], package)
    for release in package["releases"]:
        assert_valid(schemas["extended"], release)
        assert_codelists(release, schemas["codelists"])
        assert_parties_by_uscc(release)
        assert release["ocid"].startswith("ocds-t3st01-")


def assert_record_package(schemas, package):
    assert_valid(schemas["record-package"], package)
    for rec in package["records"]:
        for release in [*rec["releases"], rec["compiledRelease"]]:
            assert_valid(schemas["extended"], release)
            assert_codelists(release, schemas["codelists"])
            assert_parties_by_uscc(release)


# --- tests ----------------------------------------------------------------------------------------


def test_completed_process_validates_and_tells_the_whole_story(client, schemas):
    ensure_award_notice_index()
    tender, contract, _officer = completed_process()
    ocid = f"ocds-t3st01-{tender.pk}"
    package, text = get_json(client, reverse("ocds:process_releases", args=[ocid]))
    assert_release_package(schemas, package)
    assert_nothing_private(text)
    assert TREASURY_PREFIX not in text

    releases = package["releases"]
    tags = [r["tag"][0] for r in releases]
    assert tags[:2] == ["planning", "tender"]
    # the opening (tenderers and their number; in this scenario it ran at a travelled-to moment)
    (opening_release,) = [r for r in releases if r["tag"] == ["tenderUpdate"]]
    for expected in ("award", "contract", "contractAmendment", "implementation", "contractTermination"):
        assert expected in tags
    assert tags.count("implementation") == 2 + 3  # two milestones met, three payments
    assert [r["date"] for r in releases] == sorted(r["date"] for r in releases)
    assert len({r["id"] for r in releases}) == len(releases)
    assert all(r["id"].startswith(ocid + "-") for r in releases)

    # stable: the same ids and content (but the package's date) when asked again, and by tender id
    again, _ = get_json(client, reverse("ocds:tender_releases", args=[tender.pk]))
    assert again["releases"] == releases

    opening = opening_release["tender"]
    assert opening["numberOfTenderers"] == 3
    assert all(t["id"].startswith("CN-USCC-") for t in opening["tenderers"])

    tender_release = releases[1]["tender"]
    assert tender_release["mainProcurementCategory"] == "services"
    assert tender_release["awardCriteria"] == "ratedCriteria"  # 竞争性磋商, 综合评分法
    assert "服务方案" in tender_release["awardCriteriaDetails"]
    assert tender_release["value"] == {"amount": 9000000, "currency": "CNY"}
    documents = tender_release["documents"]
    assert any(d["documentType"] == "biddingDocuments" for d in documents)
    for document in documents:
        assert document["url"].startswith("http")
        path = "/" + document["url"].split("/", 3)[3]
        assert client.get(path).status_code == 200  # public to anyone, anonymous

    record_package, record_text = get_json(client, reverse("ocds:record", args=[ocid]))
    assert_record_package(schemas, record_package)
    assert_nothing_private(record_text)
    compiled = record_package["records"][0]["compiledRelease"]
    assert compiled["tag"] == ["compiled"]
    # (the scenario's opening ran at a travelled-to moment after the award: read the award release)
    (award_release,) = [r for r in releases if r["tag"] == ["award"]]
    assert award_release["tender"]["status"] == "complete"
    assert compiled["tender"]["title"] == tender.title
    (award_block,) = compiled["awards"]
    award = Award.objects.get(tender=tender)
    assert Decimal(str(award_block["value"]["amount"])) == award.amount
    assert award_block["documents"][0]["documentType"] == "awardNotice"
    (contract_block,) = compiled["contracts"]
    assert contract_block["status"] == "terminated"
    assert Decimal(str(contract_block["value"]["amount"])) == contract.amount
    assert contract_block["amendments"][0]["rationale"] == "服务对象增加，相应增加服务量"
    milestones = contract_block["implementation"]["milestones"]
    assert [m["status"] for m in milestones] == ["met", "met"]
    transactions = contract_block["implementation"]["transactions"]
    assert len(transactions) == 3
    assert sum(Decimal(str(t["value"]["amount"])) for t in transactions) == contract.amount_paid
    supplier_id = f"CN-USCC-{contract.organization.uscc}"
    assert all(t["payee"]["id"] == supplier_id for t in transactions)
    parties = {p["id"]: p for p in compiled["parties"]}
    assert set(parties[supplier_id]["roles"]) >= {"tenderer", "supplier", "payee"}
    assert set(parties[compiled["buyer"]["id"]]["roles"]) >= {"buyer", "procuringEntity", "payer"}


def test_failed_process_validates(client, schemas):
    tender = failed_process()
    package, text = get_json(client, reverse("ocds:tender_releases", args=[tender.pk]))
    assert_release_package(schemas, package)
    assert_nothing_private(text)
    # the red flags of the process (procurement.supervision.red_flags), on every release
    expected = [
        {"code": f.code, "title": str(f.title), "description": str(f.explanation)}
        for f in red_flags.flags_for_tender(tender)
    ]
    assert "single_bid" in [flag["code"] for flag in expected]
    assert all(r["redFlags"] == expected for r in package["releases"])
    # its plan's page is not published: no purchase intention, no planning release
    assert package["releases"][0]["tag"] == ["tender"]
    last = package["releases"][-1]
    assert last["tag"] == ["tenderUpdate"]
    assert last["tender"]["status"] == "unsuccessful"
    assert last["tender"]["numberOfTenderers"] == 1
    record_package, _ = get_json(client, reverse("ocds:tender_record", args=[tender.pk]))
    assert_record_package(schemas, record_package)
    assert record_package["records"][0]["compiledRelease"]["tender"]["status"] == "unsuccessful"
    assert "awards" not in record_package["records"][0]["compiledRelease"]


def test_amended_process_validates_and_shows_no_bid_before_opening(client, schemas):
    tender, original_title = amended_process()
    package, text = get_json(client, reverse("ocds:tender_releases", args=[tender.pk]))
    assert_release_package(schemas, package)
    assert_nothing_private(text)
    releases = package["releases"]
    assert [r["tag"] for r in releases] == [
        ["planning"],
        ["tender"],
        ["tenderAmendment"],
        ["tenderAmendment"],
    ]
    first, second = tender.amendments.order_by("number")
    # the call as published, then after each amendment
    assert releases[1]["tender"]["title"] == original_title
    assert releases[1]["tender"]["tenderPeriod"]["endDate"] == ocds.iso(first.old_deadline)
    assert releases[2]["tender"]["title"] == tender.title
    assert releases[2]["tender"]["tenderPeriod"]["endDate"] == ocds.iso(tender.bid_deadline)
    assert releases[3]["tender"]["description"] == "补充后的服务内容。"
    amendments = releases[3]["tender"]["amendments"]
    assert [a["releaseID"] for a in amendments] == [releases[2]["id"], releases[3]["id"]]
    assert amendments[0]["amendsReleaseID"] == releases[1]["id"]
    assert amendments[1]["amendsReleaseID"] == releases[2]["id"]
    # before opening: no tenderer, no number of bids, no price
    for release in releases:
        assert "tenderers" not in release["tender"] and "numberOfTenderers" not in release["tender"]
        assert all(p["roles"] != ["tenderer"] for p in release["parties"])
    assert second.description in text
    record_package, _ = get_json(client, reverse("ocds:record", args=[f"ocds-t3st01-{tender.pk}"]))
    assert_record_package(schemas, record_package)


def test_cancelled_call_ends_with_a_tender_cancellation(client, schemas):
    tender, officer = published_tender()
    with time_machine.travel(timezone.now() + dt.timedelta(hours=1), tick=True):
        tender_cancel(actor=officer, tender=tender, reason="采购需求发生重大变化，终止本次采购。")
    package, text = get_json(client, reverse("ocds:tender_releases", args=[tender.pk]))
    assert_release_package(schemas, package)
    assert_nothing_private(text)
    last = package["releases"][-1]
    assert last["tag"] == ["tenderCancellation"]
    assert last["id"] == f"ocds-t3st01-{tender.pk}-end-{tender.pk}"
    assert last["tender"]["status"] == "cancelled"
    listed, _ = get_json(client, reverse("ocds:release_list"))
    assert [r["id"] for r in listed["releases"]] == [r["id"] for r in package["releases"]]


def test_unpublished_and_unknown_processes_are_not_found(client):
    draft = make_tender()
    assert draft.status == TenderStatus.DRAFT
    for url in (
        reverse("ocds:tender_releases", args=[draft.pk]),
        reverse("ocds:tender_record", args=[draft.pk]),
        reverse("ocds:process_releases", args=[f"ocds-t3st01-{draft.pk}"]),
        reverse("ocds:record", args=[f"ocds-t3st01-{draft.pk}"]),
        reverse("ocds:process_releases", args=["ocds-other1-1"]),
        reverse("ocds:record", args=["x"]),
        reverse("ocds:tender_releases", args=[999999]),
    ):
        body, _ = get_json(client, url, status=404)
        assert body == {"error": "not_found"}
    package, _ = get_json(client, reverse("ocds:release_list"), status=404)
    assert package == {"error": "not_found", "detail": "no releases"}  # a package needs a release
    assert draft.title not in json.dumps(package, ensure_ascii=False)


def test_list_paginates_filters_by_date_and_agrees_with_each_process(client, schemas, settings):
    settings.OCDS_PAGE_SIZE = 3
    with time_machine.travel(timezone.now() - dt.timedelta(days=20), tick=True):
        old_tender, _original = amended_process()
    failed = failed_process()
    make_tender()  # a draft: never listed
    everything = []
    for tender_id in (old_tender.pk, failed.pk):
        package, _ = get_json(client, reverse("ocds:tender_releases", args=[tender_id]))
        everything += package["releases"]
    expected = sorted(everything, key=lambda r: r["date"])

    def follow(url, follows):
        seen = []
        while url:
            package, text = get_json(client, url)
            assert_release_package(schemas, package) if package["releases"] else None
            assert_nothing_private(text)
            assert len(package["releases"]) <= 3
            seen += package["releases"]
            url = package.get("links", {}).get("next")
            if url:
                assert url.startswith("http") and follows in url
                url = "/" + url.split("/", 3)[3]
        return seen

    # the links follow a cursor (keyset pagination); numbered pages list the same, in the same order
    seen = follow(reverse("ocds:release_list"), "after=")
    assert [r["id"] for r in follow(reverse("ocds:release_list") + "?page=1", "page=")] == [
        r["id"] for r in seen
    ]
    assert sorted(r["id"] for r in seen) == sorted(r["id"] for r in expected)
    assert {r["id"]: r for r in seen} == {r["id"]: r for r in expected}
    assert [r["date"] for r in seen] == sorted(r["date"] for r in seen)

    # date filter: since / until by day, and by a moment
    cut = timezone.localdate() - dt.timedelta(days=5)
    recent, _ = get_json(client, reverse("ocds:release_list") + f"?since={cut.isoformat()}")
    older, _ = get_json(
        client, reverse("ocds:release_list") + f"?until={(cut - dt.timedelta(days=1)).isoformat()}"
    )
    recent_ids = set()
    page = recent
    while True:
        recent_ids |= {r["id"] for r in page["releases"]}
        nxt = page.get("links", {}).get("next")
        if not nxt:
            break
        assert "since=" in nxt
        page, _ = get_json(client, "/" + nxt.split("/", 3)[3])
    older_ids = set()
    page = older
    while True:
        older_ids |= {r["id"] for r in page["releases"]}
        nxt = page.get("links", {}).get("next")
        if not nxt:
            break
        page, _ = get_json(client, "/" + nxt.split("/", 3)[3])
    assert recent_ids and older_ids
    assert recent_ids | older_ids == {r["id"] for r in expected}
    assert not recent_ids & older_ids
    boundary = ocds.iso(dt.datetime.combine(cut, dt.time.min, tzinfo=ocds.SHANGHAI))
    assert all(r["date"] >= boundary for r in expected if r["id"] in recent_ids)
    assert all(r["date"] < boundary for r in expected if r["id"] in older_ids)
    # the failed call was published and opened today (its purchase intention is older)
    assert {
        r["id"] for r in expected if r["ocid"].endswith(f"-{failed.pk}") and r["tag"] != ["planning"]
    } <= recent_ids

    body, _ = get_json(client, reverse("ocds:release_list") + "?since=yesterday", status=400)
    assert body["error"] == "bad_request"
    get_json(client, reverse("ocds:release_list") + "?page=99", status=404)
    for cursor in ("x", "1.2.3", "1.2.99.4", "9" * 20 + ".1.1.1"):
        body, _ = get_json(client, reverse("ocds:release_list") + f"?after={cursor}", status=400)
        assert body["error"] == "bad_request"

    records, _ = get_json(client, reverse("ocds:record_list"))
    assert_record_package(schemas, records)
    assert {r["ocid"] for r in records["records"]} == {
        f"ocds-t3st01-{old_tender.pk}",
        f"ocds-t3st01-{failed.pk}",
    }


def count_queries(client, url) -> int:
    client.get(url)  # warm: the site's root paths, content types
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_queries_do_not_grow_with_releases(client, settings):
    settings.OCDS_PAGE_SIZE = 500
    ensure_award_notice_index()
    tender, contract, officer, winner = contracted_process()
    urls = (
        reverse("ocds:release_list"),
        reverse("ocds:record_list"),
        reverse("ocds:tender_releases", args=[tender.pk]),
        reverse("ocds:tender_record", args=[tender.pk]),
    )
    before = {url: count_queries(client, url) for url in urls}
    releases_before = len(client.get(urls[0]).json()["releases"])
    process_before = len(client.get(urls[2]).json()["releases"])
    # more releases on the same process (amendment, milestone, payment, completion) and more processes
    finish(contract, officer, winner)
    amended_process()
    failed_process()
    after = {url: count_queries(client, url) for url in urls}
    assert len(client.get(urls[2]).json()["releases"]) >= process_before + 4
    assert len(client.get(urls[0]).json()["releases"]) >= releases_before + 8
    assert after == before
    # the list's index (one union query) names exactly the releases each process builds
    listed = client.get(urls[0]).json()["releases"]
    per_process = []
    for ocid in {r["ocid"] for r in listed}:
        per_process += client.get(reverse("ocds:process_releases", args=[ocid])).json()["releases"]
    assert sorted(r["id"] for r in listed) == sorted(r["id"] for r in per_process)
    for ocid in {r["ocid"] for r in listed}:  # and in the same order within a process
        assert [r["id"] for r in listed if r["ocid"] == ocid] == [
            r["id"] for r in per_process if r["ocid"] == ocid
        ]
    assert {"contractAmendment", "implementation", "contractTermination"} <= {r["tag"][0] for r in listed}


def test_red_flags_are_published_in_the_extension_field(client, schemas, monkeypatch):
    tender = failed_process()
    flag = red_flags.RedFlag(code="single_bid", title="单一投标", explanation="本项目仅收到1份投标。")
    monkeypatch.setattr(
        "cms.ocds.current_flags",
        lambda tenders: {t.pk: [flag] if t.pk == tender.pk else [] for t in tenders},
    )
    package, _ = get_json(client, reverse("ocds:tender_releases", args=[tender.pk]))
    assert_release_package(schemas, package)
    expected = [{"code": "single_bid", "title": "单一投标", "description": "本项目仅收到1份投标。"}]
    assert all(r["redFlags"] == expected for r in package["releases"])
    record_package, _ = get_json(client, reverse("ocds:tender_record", args=[tender.pk]))
    assert record_package["records"][0]["compiledRelease"]["redFlags"] == expected
    extension_url = reverse("ocds:extension")
    assert len(package["extensions"]) == 1 and package["extensions"][0].endswith(extension_url)
    extension, _ = get_json(client, extension_url)
    assert extension["schemas"] == ["release-schema.json"]
    patch, _ = get_json(client, reverse("ocds:extension_schema"))
    assert "redFlags" in patch["properties"]


def test_index_lists_the_endpoints(client):
    body, _ = get_json(client, reverse("ocds:index"))
    assert body["ocidPrefix"] == "ocds-t3st01"
    assert body["version"] == "1.1"
    assert set(body["endpoints"]) >= {"releases", "processReleases", "records", "record", "extension"}
    assert body["endpoints"]["releases"]["url"].endswith(reverse("ocds:release_list"))


def test_ocid_parsing():
    assert ocds.tender_id_from_ocid("ocds-t3st01-12") == 12
    for other in ("ocds-t3st01-", "ocds-t3st01-012", "ocds-t3st01-1x", "ocds-other1-12", "12"):
        assert ocds.tender_id_from_ocid(other) is None


def test_award_criteria_follow_the_method():
    price_only = SimpleNamespace(method=method("competitive_negotiation"))
    assert price_only.method.is_price_only  # 最低评标价法
    assert ocds.award_criteria(price_only) == ("priceOnly", "最低评标价法")
    assert not method("open_tender").is_price_only  # 综合评分法: ratedCriteria (tested above)


def test_a_buyer_is_identified_by_its_uscc_once_recorded(client, schemas):
    """RULES: parties identified by USCC. A purchasing unit without one keeps its unit-code id."""
    from core.uscc import uscc_complete

    tender = failed_process()
    url = reverse("ocds:tender_releases", args=[tender.pk])
    package, _ = get_json(client, url)
    department = tender.department
    assert package["releases"][0]["buyer"]["id"] == f"department-{department.code}"
    department.uscc = uscc_complete("11320102MB0000009")
    department.save()
    package, _ = get_json(client, url)
    assert_release_package(schemas, package)
    for release in package["releases"]:
        assert release["buyer"] == {"id": f"CN-USCC-{department.uscc}", "name": department.name}
        buyer = next(p for p in release["parties"] if p["id"] == release["buyer"]["id"])
        assert buyer["identifier"] == {
            "scheme": "CN-USCC",
            "id": department.uscc,
            "legalName": department.name,
        }
        assert "buyer" in buyer["roles"]
