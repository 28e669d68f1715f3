"""Nothing private is reachable from the public side (issue 14): with the demo data loaded and a sealed
bid carrying marker content on a published call, an anonymous visitor follows every link from the home
page, the open-data hub, the statistics, the OCDS API and the credit look-up — every portal page, list
filter, sort and page link, download (CSV and Excel), feed and API answer — and no response holds any
of the demo data's private markers: ID numbers, personal phones and e-mails of volunteers and of
public-report filers, legal representatives' full ID numbers, or the sealed bid's price and text."""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter, deque
from io import StringIO
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client

from core.identity import id_number_reveal
from orgs.models import Organization
from procurement.supervision.models import PublicReport, PublicReportTransfer
from tests.procurement.bidding import (
    MARKER_PRICE,
    MARKER_PRICE_RENDERINGS,
    MARKER_TEXT,
    bidder,
    docx_with,
    pdf_with,
    published_tender,
    submit,
)
from volunteers.models import Volunteer

pytestmark = pytest.mark.django_db

# Not the public side: sign-in and account pages, the admin, private files, personal pages.
SKIP = re.compile(
    r"^/(accounts|cms-admin|i18n|static|media|documents|files|notifications|workbench|_util)/"
    r"|^/volunteers/(me|manage|register|slots|signups|hours|invitations|certificates)/"
    r"|^/orgs/(mine|review|register|invitations)/"
    r"|^/procurement/(staff|bids|evaluation|supervision|experts|panels|reports/(new|filed|track))"
)
PER_SHAPE = 3  # pages of one shape (digits and query values aside) fetched
LIMIT = 900
HREF = re.compile(r"""(?:href|src)=["']([^"'#]+)""")


def _markers() -> dict[str, str]:
    markers: dict[str, str] = {MARKER_TEXT: "sealed bid text"}
    for rendering in MARKER_PRICE_RENDERINGS:
        markers[rendering] = "sealed bid price"
    for volunteer in Volunteer.objects.all():
        markers[id_number_reveal(volunteer.id_ciphertext)] = "volunteer ID number"
        for phone in (volunteer.phone, volunteer.emergency_phone, volunteer.guardian_phone):
            if phone:
                markers[phone] = "volunteer phone"
        if volunteer.user.email:
            markers[volunteer.user.email] = "volunteer e-mail"
    for organization in Organization.objects.exclude(legal_rep_id_ciphertext=""):
        markers[id_number_reveal(organization.legal_rep_id_ciphertext)] = "legal representative ID"
    for report in PublicReport.objects.all():
        for value in (report.contact_phone, report.contact_email, report.contact_address):
            if value:
                markers[value] = "public report filer's contact"
    for transfer in PublicReportTransfer.objects.all():  # internal notes and department answers
        for value in (transfer.note, transfer.answer):
            if value:
                markers[value] = "public report transfer's internal text"
    return {marker: what for marker, what in markers.items() if len(marker) >= 7}


def _body(response) -> bytes:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK":  # an Excel workbook: its cells are in the zipped XML
        with zipfile.ZipFile(io.BytesIO(content)) as book:
            return b"".join(book.read(name) for name in book.namelist() if name.endswith(".xml"))
    return content


def _links(path: str, text: str, content_type: str) -> list[str]:
    if "json" in content_type:
        found = re.findall(r'"(https?://testserver/[^"]+|/api/ocds/[^"]+)"', text)
    elif "html" in content_type or "xml" in content_type:
        found = HREF.findall(text)
    else:
        return []
    links = []
    for raw in found:
        url = urljoin("http://testserver" + path, raw.replace("&amp;", "&"))
        parts = urlsplit(url)
        if parts.netloc == "testserver":
            links.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return links


def _shape(url: str) -> str:
    parts = urlsplit(url)
    keys = sorted({pair.split("=")[0] for pair in parts.query.split("&") if pair})
    return re.sub(r"\d+", "N", parts.path) + "?" + "&".join(keys)


def test_no_private_marker_on_any_public_page_download_feed_or_api():
    call_command("seed_demo", stdout=StringIO())
    tender, _officer = published_tender()
    organization, user = bidder()
    submit(
        tender, organization, user, price=MARKER_PRICE, proposal=MARKER_TEXT, files=[pdf_with(), docx_with()]
    )
    markers = _markers()
    assert len(markers) > 20, "the demo data has private values to look for"

    client = Client()
    starts = ["/", "/open-data/", "/statistics/", "/api/ocds/", "/search/?q=服务", "/search/?q=养老"]
    starts += [
        f"/orgs/api/{uscc}/credit/" for uscc in Organization.objects.values_list("uscc", flat=True)[:5]
    ]
    queue, seen, shapes = deque(starts), set(starts), Counter()
    leaks, fetched, errors = [], 0, []
    while queue and fetched < LIMIT:
        url = queue.popleft()
        response = client.get(url)
        fetched += 1
        if response.status_code >= 500:
            errors.append(f"{url}: {response.status_code}")
            continue
        if response.status_code != 200:
            continue
        body = _body(response)
        text = body.decode("utf-8", errors="replace")
        leaks += [f"{url}: {what} ({marker})" for marker, what in markers.items() if marker in text]
        for link in _links(url.split("?")[0], text, response.get("Content-Type", "")):
            if link in seen or SKIP.search(link):
                continue
            seen.add(link)
            if shapes[_shape(link)] >= PER_SHAPE:
                continue
            shapes[_shape(link)] += 1
            queue.append(link)
    assert errors == []
    assert leaks == []
    reached = {_shape(url).split("?")[0] for url in seen}
    # the crawl did reach each kind of public answer
    for expected in (
        "/calls-for-bids/",
        "/award-notices/",
        "/procurement/contracts/",
        "/orgs/",
        "/api/ocds/",
    ):
        assert any(shape.startswith(expected) for shape in reached), expected
    assert any("format=csv" in url for url in seen) and any("format=xlsx" in url for url in seen)
    assert any("/feed" in url for url in seen)
    assert fetched > 100
