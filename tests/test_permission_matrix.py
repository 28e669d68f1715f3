"""Permission matrix of sealed bids: every URL pattern the resolver knows (site views, pages,
Wagtail admin views, exports, document downloads) is requested with GET by anonymous, by a user of
every role and by a superuser while a bid is sealed; no response may contain the bid's marker
price or the marker text of its proposal and file, and no page shown to the public or to other
organizations may name who fetched the call documents.

Every URL pattern must be covered by a row of ROWS (first match wins). A row says how to fill the
pattern's parameters and who requests it; a pattern without a row fails `test_every_url_has_a_row`,
so a new URL forces a decision here."""

from __future__ import annotations

import datetime
import itertools
import re
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern

from accounts.roles import Role
from audit.models import Event
from cms.calls import CallForBidsIndexPage, CallForBidsPage
from core.models import Job, JobStatus
from orgs.models import Membership, QualificationDocument
from tests.factories import UserFactory, staff_user
from tests.orgs.factories import member
from tests.procurement.bidding import (
    MARKER_PRICE_RENDERINGS,
    MARKER_TEXT,
    bidder,
    docx_with,
    pdf_with,
    published_tender,
    submit,
)

# Who requests a row: everyone (our models and pages), or — for Wagtail's own screens that do not
# concern our models (images, collections, workflows setup...) — anonymous and the superuser,
# who sees more there than any other role.
EVERYONE = "everyone"
WAGTAIL_INTERNAL = "wagtail-internal"
SKIP = "skip"


@dataclass(frozen=True)
class Row:
    pattern: str  # regex over the route, e.g. r"^procurement/bids/"
    who: str = EVERYONE
    fill: dict = field(default_factory=dict)  # parameter -> key of the scenario (or a literal)
    why: str = ""  # for SKIP: why no GET is made


ROWS = [
    Row(r"logout", SKIP, why="POST only; a GET would end the session and shows nothing"),
    Row(r"^i18n/", SKIP, why="set_language is POST only"),
    Row(
        r"^\^cms-admin/\(\?:snippets/choose",
        SKIP,
        why="answers 404 to everyone for a non-numeric id (tests/config/test_admin_chosen_ids.py)",
    ),
    # --- site views of our apps
    # the bid pages, its files and its signed receipt (members of the bidding organization; 404 else)
    Row(r"^procurement/bids/", fill={"pk": "bid", "file_id": "bid_file"}),
    # the public check of a pasted receipt's signature (GET: the form; reads no bid)
    Row(r"^procurement/receipts/verify/"),
    # the RSS/Atom feeds of published contracts (public fields only; no parameters)
    Row(r"^procurement/contracts/feed/"),
    # the public red flags (procurement.supervision.red_flags): published data only, no bid before
    # the opening; no parameters
    Row(r"^procurement/red-flags/"),
    Row(r"^procurement/evaluation/bids/", fill={"bid_id": "bid", "document_id": "qualification"}),
    # a contract's personnel (issue 15): add is POST only (405 to a GET); the removal's confirmation
    # is for the supplier's members and the contract's officers (404 to whoever may not see the
    # contract, 403 to readers who may not keep it); no bid content, no personnel before a contract
    Row(r"^procurement/my/(contracts/<int:pk>/personnel/add|personnel/<int:pk>/remove)/", fill={"pk": "bid"}),
    # public reports from any channel and their transfers (issue 16): the recording page (supervisors;
    # 403 else) and the transfers' list and page (the department's procurement officers and the
    # supervisors; 403 else, another department's officer included); no bid behind them
    Row(r"^procurement/staff/(public-reports/record|public-report-transfers)/", fill={"pk": 1}),
    Row(
        r"^procurement/",
        fill={
            "pk": "bid",
            "tender_id": "tender",
            "lot_pk": "lot",
            "public_id": "qualification",
            "number": 1,
            "*int": "tender",
            "*str": "x",  # tokens, tracking numbers: no bid behind them
        },
    ),
    # the public credit look-up by USCC (JSON; verified organizations only, 404 else)
    Row(r"^orgs/api/", fill={"uscc": "uscc"}),
    Row(
        r"^orgs/",
        fill={
            "pk": "organization",
            "organization_id": "organization",
            "uscc": "uscc",
            "membership_pk": "membership",
            "token": "x",
            "*int": "organization",
        },
    ),
    Row(r"^accounts/two-step/"),  # 2FA setup, code, recovery codes, settings: 403 for non-staff
    Row(r"^accounts/", fill={"pk": "officer", "uidb64": "x", "token": "x"}),
    # referrals (转介): the volunteer centre's pages, the organization's and the volunteer's (404 to
    # anyone else); no bid behind them
    Row(r"^volunteers/referrals/", fill={"*int": 1}),
    # projects under a contract (issue 15): the contract's projects and the creation page (supplier's
    # members; the purchasing unit's staff and bureau admins see the list; 404 else), a project's page
    # (its organizers) and its team-lead change (POST only); no bid behind them
    Row(
        r"^volunteers/manage/(contracts/<int:pk>/projects/|projects/<int:pk>/(team-lead/)?$)", fill={"pk": 1}
    ),
    # a need's edit page (its organizers; 404 to anyone else, back to the need's page once it can no
    # longer change); no bid behind it
    Row(r"^volunteers/manage/needs/<int:pk>/edit/", fill={"pk": 1}),
    Row(
        r"^volunteers/",
        fill={"*int": 1, "*str": "x", "what": ["volunteers", "hours", "training"], "fmt": "csv"},
    ),
    Row(r"^notifications/", fill={"pk": 1}),
    Row(r"^workbench/"),
    Row(r"^feeds/"),  # RSS/Atom of calls and award notices (cms.feeds): published items only
    Row(r"^api/ocds/", fill={"*int": "tender", "*str": "x"}),  # OCDS: published processes only
    # the open-data hub and its yearly files (this year: the sealed bid's call is in the calls file)
    Row(
        r"^open-data/",
        fill={
            "year": datetime.date.today().year,
            "dataset": ["calls", "awards", "contracts", "plans"],
            "fmt": ["csv", "xlsx"],
        },
    ),
    Row(r"^statistics/", fill={"*str": "x"}),  # charts and their data: public figures only
    Row(r"^search/"),  # the public search (cms.search): public rows only, no parameters
    Row(r"^files/", fill={"public_id": "qualification"}),
    # long work (core.jobs): the user's own jobs, one job, its JSON progress and its file (the owner
    # and superusers; 404 for everyone else)
    Row(r"^jobs/", fill={"public_id": "job"}),
    Row(r"^health/"),  # core.health: checks as JSON (ok flags, ages, timings), no data of anyone
    Row(r"^documents/", WAGTAIL_INTERNAL, fill={"*int": 1, "*str": "x"}),
    Row(r"^_util/", fill={"*int": 1}),
    Row(r"^\^\(\(\?:", fill={"#": "page_paths"}),  # Wagtail serves the site's pages
    # --- Wagtail admin: our models, pages and logs
    Row(r"^cms-admin/procurement/plans/", fill={"pk": "plan"}),
    Row(r"^cms-admin/procurement/budget-lines/", fill={"pk": "line"}),
    Row(r"^cms-admin/procurement/clarifications/", fill={"pk": "clarification"}),
    Row(r"^cms-admin/procurement/methods/", fill={"pk": "method"}),
    Row(r"^cms-admin/procurement/expert-pool/", fill={"pk": 1, "fmt": ["csv", "xlsx"]}),
    Row(
        r"^cms-admin/procurement/",
        fill={"pk": "tender", "tender_id": "tender", "lot_pk": "lot", "*int": "tender"},
    ),
    Row(
        r"^cms-admin/orgs/",
        fill={
            "pk": "organization",
            "*int": "organization",
            "kind": ["organizations", "grades", "credit-lists", "annual-reports"],
            "fmt": ["csv", "xlsx"],
        },
    ),
    Row(r"^cms-admin/audit_event/", fill={"pk": "last_event"}),
    Row(
        r"^cms-admin/pages/",
        fill={"*int": "page", "*str": "x", "revision_id_a": "earliest", "revision_id_b": "latest"},
    ),
    Row(r"^cms-admin/calls-for-bids/", fill={"page_id": "page"}),
    Row(r"^cms-admin/reports/", fill={}),
    Row(r"^cms-admin/snippets/", fill={"*int": 1, "*str": "x"}),
    Row(r"^cms-admin/workflows/", fill={"*int": 1, "*str": "x"}),
    Row(r"^cms-admin/(api/main|editing-sessions)/", fill={"*int": "page", "*str": "x"}),
    Row(
        r"^cms-admin/(bulk|tag-autocomplete|settings)/",
        fill={
            "app_label": "wagtailcore",
            "model_name": "page",
            "action": "delete",
            "app_name": "wagtailcore",
            "*str": "x",
            "*int": 1,
        },
    ),
    Row(r"^cms-admin/$"),
    Row(r"^cms-admin/\^\.\*/\$$", SKIP, why="Wagtail's catch-all 404 of the admin"),
    # --- Wagtail admin: Wagtail's own screens
    Row(r"^cms-admin/", WAGTAIL_INTERNAL, fill={"*int": 1, "*str": "x", "filter_spec": "fill-10x10"}),
]


def _params(pattern) -> list[str]:
    if isinstance(pattern, RoutePattern):
        return [
            f"{name}:{'int' if conv.regex == '[0-9]+' else 'str'}"
            for name, conv in pattern.converters.items()
        ]
    regex = pattern.regex
    names = [f"{name}:re" for name in regex.groupindex]
    return names + [f"#{i}:re" for i in range(regex.groups - len(regex.groupindex))]


def url_patterns():
    """(route, full name, [param:kind]) of every pattern, through every include."""

    def walk(resolver, prefix, params, namespaces):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                ns = (*namespaces, entry.namespace) if entry.namespace else namespaces
                yield from walk(entry, prefix + str(entry.pattern), params + _params(entry.pattern), ns)
            else:
                name = ":".join((*namespaces, entry.name)) if entry.name else None
                yield prefix + str(entry.pattern), name, params + _params(entry.pattern)

    return list(walk(get_resolver(), "", [], ()))


def row_for(route: str) -> Row | None:
    return next((row for row in ROWS if re.search(row.pattern, route)), None)


def test_every_url_has_a_row():
    missing = [route for route, _name, _params in url_patterns() if row_for(route) is None]
    assert missing == [], f"URL patterns without a row in ROWS: {missing}"
    assert len(url_patterns()) > 300  # the walk reached the Wagtail admin


# --- the scenario ----------------------------------------------------------------------------------


def _scenario():
    tender, officer = published_tender()
    lot = tender.lots.get()
    index = CallForBidsIndexPage.objects.get()
    page = CallForBidsPage(title=tender.title, slug=f"call-{tender.pk}", tender=tender)
    index.add_child(instance=page)
    page.save_revision().publish()
    organization, bidder_user = bidder()
    from core.documents import document_upload
    from core.models import DocumentType

    document = document_upload(
        actor=bidder_user, owner=organization, file=pdf_with("cert", "cert.pdf"),
        document_type=DocumentType.QUALIFICATION, title="登记证书",
    )  # fmt: skip
    qualification = QualificationDocument.objects.create(organization=organization, document=document)
    from procurement.tendering.services.bids import bid_submit
    from procurement.tendering.services.clarifications import clarification_ask, tender_record_document_access

    bid = bid_submit(
        actor=bidder_user, organization=organization, lot=lot, price="7654321.09",
        proposal=f"技术方案 {MARKER_TEXT}", files=[pdf_with(), docx_with()],
        qualification_documents=[qualification.pk],
    )  # fmt: skip
    for _n in range(2):
        other, other_user = bidder()
        submit(tender, other, other_user, price="500000")
    _downloader_org, downloader = bidder()
    downloader.display_name = "文件下载人甲"
    downloader.save()
    tender_record_document_access(actor=downloader, tender=tender)
    clarification = clarification_ask(actor=downloader, tender=tender, question="服务范围？")
    from procurement.models import ProcurementMethod

    users = {
        "anonymous": AnonymousUser(),
        "officer": officer,
        "registry_admin": staff_user(Role.REGISTRY_ADMIN),
        "approver": staff_user(Role.BUREAU_APPROVER),
        "supervisor": staff_user(Role.SUPERVISOR),
        "bureau_admin": staff_user(Role.BUREAU_ADMIN),
        "expert": UserFactory(roles=[Role.EXPERT]),
        "other_org_member": member(bidder()[0]),
        "volunteer": UserFactory(roles=[Role.VOLUNTEER]),
        "social_worker": UserFactory(roles=[Role.SOCIAL_WORKER]),
        "superuser": UserFactory(is_superuser=True, is_staff=True),
    }
    job = Job.objects.create(
        owner=users["registry_admin"], kind="orgs.register_export", title="导出：社会组织", runner="-",
        status=JobStatus.DONE, message="已导出1行。",
    )  # fmt: skip
    values = {
        "tender": tender.pk,
        "lot": lot.pk,
        "bid": bid.pk,
        "bid_file": str(bid.files.first().file_id),
        "page": page.pk,
        "plan": tender.budget_line.plan_id,
        "line": tender.budget_line_id,
        "clarification": clarification.pk,
        "method": ProcurementMethod.objects.get(pk=tender.method_id).pk,
        "organization": organization.pk,
        "uscc": organization.uscc,
        "membership": Membership.objects.get(user=bidder_user).pk,
        "qualification": str(document.public_id),
        "job": str(job.public_id),
        "officer": officer.pk,
        "last_event": Event.objects.filter(action="bid.submit").latest("seq").pk,
        "page_paths": [
            f"{p.url.strip('/')}/".lstrip("/") for p in (page, index, index.get_parent().specific)
        ],
    }
    return users, values, downloader, bidder_user


def _value(row: Row, param: str, values: dict):
    name, kind = param.split(":")
    if name.startswith("#") and "#" in row.fill:  # positional groups
        key = row.fill["#"]
    elif name in row.fill:
        key = row.fill[name]
    elif f"*{kind}" in row.fill:
        key = row.fill[f"*{kind}"]
    elif kind == "re" and "*int" in row.fill:
        key = row.fill["*int"]  # regex parameters are ids (explicit in the row otherwise)
    else:
        raise AssertionError(f"row {row.pattern!r} does not say how to fill {name!r}")
    return values.get(key, key) if isinstance(key, str) else key


def urls_of(route: str, name: str | None, params: list[str], row: Row, values: dict) -> list[str]:
    if name is None:
        return [f"/{route.lstrip('^').rstrip('$')}"] if not params else []
    filled = {p: _value(row, p, values) for p in params}
    # A list value means: try each (e.g. page paths, export kinds).
    options = [value if isinstance(value, list) else [value] for value in filled.values()]
    variants = [dict(zip(filled, combination, strict=True)) for combination in itertools.product(*options)]
    urls = []
    for variant in variants:
        args = [v for p, v in variant.items() if p.startswith("#")]
        kwargs = {p.split(":")[0]: v for p, v in variant.items() if not p.startswith("#")}
        try:
            urls.append(reverse(name, args=args) if args else reverse(name, kwargs=kwargs))
        except Exception as exc:
            raise AssertionError(f"cannot build {name} ({route}) from {kwargs or args}: {exc}") from exc
    return urls


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


MARKERS = [m.encode() for m in (*MARKER_PRICE_RENDERINGS, MARKER_TEXT)]
NON_STAFF = {"anonymous", "expert", "other_org_member", "volunteer", "social_worker"}


@pytest.mark.django_db
def test_no_role_sees_sealed_bid_content_at_any_url_before_opening():
    users, values, downloader, bidder_user = _scenario()
    # Control: the bidding organization's own member does see its bid, so the check can fail.
    own = Client()
    own.force_login(bidder_user)
    assert b"7,654,321.09" in own.get(reverse("procurement:bid_detail", args=[values["bid"]])).content
    leaks, server_errors, requested = [], [], 0
    clients = {}
    for label, user in users.items():
        client = Client(raise_request_exception=False)
        if user.is_authenticated:
            client.force_login(user)
        clients[label] = client
    for route, name, params in url_patterns():
        row = row_for(route)
        if row.who == SKIP:
            continue
        who = users if row.who == EVERYONE else {k: users[k] for k in ("anonymous", "superuser")}
        for url in urls_of(route, name, params, row, values):
            for label in who:
                response = clients[label].get(url)
                requested += 1
                body = _body(response)
                for marker in MARKERS:
                    if marker in body:
                        leaks.append((label, url, marker.decode()))
                if label in NON_STAFF and downloader.display_name.encode() in body:
                    leaks.append((label, url, "downloader"))
                if response.status_code >= 500:
                    server_errors.append((label, url, response.status_code))
    print(f"{requested} requests; server errors: {server_errors}")
    assert leaks == []
    assert requested > 1000
    # Our own URLs never fail with a server error, whoever asks.
    ours = [e for e in server_errors if e[1].startswith(("/procurement/", "/cms-admin/procurement/"))]
    assert ours == []
