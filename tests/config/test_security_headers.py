"""Content-Security-Policy and Permissions-Policy (issue #13, point 3; core/security_headers.py).

Our own pages get the strict policy (no 'unsafe-inline' for scripts or styles, nothing may frame
them) and carry no inline script or style that it would block; only Wagtail's admin, which writes
inline scripts and styles, gets the relaxed one. Every page says which browser features it may use."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.roles import Role
from tests.factories import UserFactory, staff_user

pytestmark = pytest.mark.django_db

EXECUTABLE_SCRIPT_TYPES = {"", "text/javascript", "application/javascript", "module"}


def policy(response, header: str = "Content-Security-Policy") -> dict[str, list[str]]:
    """The header's directives: {"script-src": ["'self'"], ...}."""
    assert header in response, f"no {header} on {response.wsgi_request.path}"
    directives = {}
    for part in response[header].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def features(response) -> dict[str, str]:
    """The Permissions-Policy header: {"camera": "()", ...}."""
    return dict(item.strip().split("=", 1) for item in response["Permissions-Policy"].split(","))


class InlineFinder(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' blocks: <script> blocks that run (no src, a
    JavaScript type), <style> blocks, style="..." and on...="..." attributes, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and "src" not in attributes:
            if (attributes.get("type") or "").strip().lower() in EXECUTABLE_SCRIPT_TYPES:
                self.found.append(f"inline <script> ({self.getpos()})")
        if tag == "style":
            self.found.append(f"<style> block ({self.getpos()})")
        for name, value in attrs:
            if name == "style":
                self.found.append(f'<{tag} style="{value}">')
            elif name.startswith("on"):
                self.found.append(f'<{tag} {name}="{value}">')
            elif name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f'<{tag} {name}="{value}">')

    handle_startendtag = handle_starttag


def inline_code(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    finder.close()
    return finder.found


def assert_strict(response) -> None:
    directives = policy(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["font-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


# --- the checker itself ----------------------------------------------------------------------------


def test_the_inline_finder_reports_every_kind_of_inline_code_and_passes_clean_html():
    dirty = (
        "<html><head><style>p{color:red}</style><script>alert(1)</script>"
        '<script type="module">x()</script></head>'
        '<body><p style="color:red">x</p><button onclick="go()">b</button>'
        '<a href="javascript:go()">a</a><img src="x.png" onerror="go()"/></body></html>'
    )
    found = inline_code(dirty)
    assert len(found) == 7, found
    clean = (
        '<html><head><link rel="stylesheet" href="/static/css/site.css">'
        '<script src="/static/js/nav.js" defer></script>'
        '<script type="application/json" id="data">{"a": 1}</script></head>'
        '<body class="x"><p class="overdue">x</p><a href="/orgs/">a</a></body></html>'
    )
    assert inline_code(clean) == []


# --- the headers -----------------------------------------------------------------------------------


def test_public_pages_get_the_strict_policy_and_no_browser_features(client):
    for url in ("/", reverse("orgs:directory"), reverse("accounts:login"), "/no-such-page/"):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert_strict(response)
        allowed = features(response)
        for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
            assert allowed[feature] == "()", (url, feature)


def test_our_staff_pages_get_the_strict_policy_too(client):
    client.force_login(staff_user(Role.BUREAU_ADMIN))
    for url in (reverse("cms:workbench"), reverse("core:notification_list"), reverse("accounts:profile")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict(response)


def test_only_the_wagtail_admin_and_its_preview_get_the_relaxed_policy(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    response = client.get("/cms-admin/")
    assert response.status_code == 200
    directives = policy(response)
    assert "'unsafe-inline'" in directives["script-src"]
    assert "'unsafe-inline'" in directives["style-src"]
    assert directives["object-src"] == ["'none'"]
    # the page preview is shown in an iframe of the admin itself
    assert directives["frame-ancestors"] == ["'self'"]
    assert directives["frame-src"] == ["'self'"]
    assert features(response)["camera"] == "()"
    preview = client.get("/cms-admin/pages/1/edit/preview/")
    assert "'unsafe-inline'" in policy(preview)["script-src"]
    # a path that merely starts alike is ours, and strict
    assert_strict(client.get("/cms-administration/"))


def test_the_page_preview_keeps_the_strict_policy_but_the_admin_may_frame_it(rf):
    """Wagtail renders a preview through the whole middleware chain again, for a stand-in request
    with the page's own path: the policy stays strict, only frame-ancestors lets the admin frame it."""
    from wagtail.models import Site

    home = Site.objects.get(is_default_site=True).root_page.specific
    original = rf.get(f"/cms-admin/pages/{home.pk}/edit/preview/")
    original.user = UserFactory(is_superuser=True, is_staff=True)
    response = home.make_preview_request(original_request=original)
    assert response.status_code == 200
    directives = policy(response)
    assert directives["frame-ancestors"] == ["'self'"]
    assert directives["script-src"] == ["'self'"] and directives["style-src"] == ["'self'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert inline_code(response.content.decode()) == []


def test_the_policies_are_settings(client, settings):
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {
            **settings.CONTENT_SECURITY_POLICY["DIRECTIVES"],
            "img-src": ["'self'", "https://img.example.org"],
        }
    }
    settings.PERMISSIONS_POLICY_PATH_OVERRIDES = {"/volunteers/": {"camera": ["self"]}}
    settings.PERMISSIONS_POLICY = {
        **settings.PERMISSIONS_POLICY,
        "fullscreen": ["self", "https://video.example.org"],
    }
    response = client.get(reverse("volunteers:need_list"))
    assert policy(response)["img-src"] == ["'self'", "https://img.example.org"]
    assert features(response)["camera"] == "(self)"
    assert features(response)["fullscreen"] == '(self "https://video.example.org")'
    assert features(client.get("/"))["camera"] == "()"


# --- no inline code on our pages -------------------------------------------------------------------


def _live_call():
    from cms.calls import CallForBidsIndexPage, CallForBidsPage
    from procurement.tendering.services.tenders import tender_publish, tender_submit
    from tests.procurement.factories import BudgetLineFactory, make_tender, officer_for

    line = BudgetLineFactory(plan__year=2031)
    officer = officer_for(line.plan.department)
    tender = make_tender(officer=officer, budget_line=line)
    tender_submit(actor=officer, tender=tender)
    tender_publish(actor=staff_user(Role.BUREAU_APPROVER), tender=tender)
    index = CallForBidsIndexPage.objects.get()
    page = CallForBidsPage(title=tender.title, slug=f"call-{tender.pk}", tender=tender)
    index.add_child(instance=page)
    page.save_revision().publish()
    return index, page


def test_the_main_pages_carry_no_inline_script_or_style(client):
    from tests.volunteers.factories import NeedFactory

    index, call = _live_call()
    need = NeedFactory()
    slot = need.slots.get()
    public = [
        "/",
        index.url,
        call.url,
        reverse("orgs:directory"),
        reverse("volunteers:need_list"),
        reverse("volunteers:statistics"),
        reverse("procurement:contract_public_list"),
        reverse("procurement:public_report_statistics"),
        reverse("accounts:login"),
        "/no-such-page/",
    ]
    organizer = [
        reverse("volunteers:slot_qr", args=[slot.pk]),
        reverse("volunteers:manage_need", args=[need.pk]),
        reverse("cms:workbench"),
        reverse("core:notification_list"),
        reverse("accounts:profile"),
    ]
    pages = {}
    for url in public:
        pages[url] = client.get(url)
    client.force_login(UserFactory(department=need.project.department))
    for url in organizer:
        pages[url] = client.get(url)
    for url, response in pages.items():
        assert response.status_code in (200, 404), url
        assert response["Content-Type"].startswith("text/html"), url
        assert_strict(response)
        assert inline_code(response.content.decode()) == [], url
    # the QR sheet keeps its look from the stylesheet, not from a <style> block
    assert 'class="qr-print"' in pages[organizer[0]].content.decode()


def test_the_stored_evaluation_report_runs_nothing_and_allows_only_its_own_style(client):
    """The report is a stored, self-contained document served byte for byte: its policy loads and
    runs nothing, and allows its one <style> block by hash, never 'unsafe-inline'."""
    from procurement.evaluation.services.scoring import panel_finalize
    from tests.procurement.evaluating import opened_tender, score_all, seated_panel, sign_all

    tender, officer, bids, _users = opened_tender()
    panel, members = seated_panel(tender, officer, size=3)
    score_all(panel, members, bids)
    sign_all(members)
    report = panel_finalize(actor=officer, panel=panel)
    client.force_login(officer)
    response = client.get(reverse("procurement:evaluation_report", args=[report.pk]))
    assert response.status_code == 200 and response.content.decode() == report.html
    directives = policy(response)
    assert directives["default-src"] == ["'none'"]
    assert "script-src" not in directives  # default-src 'none': no script at all
    [style] = re.findall(r"<style>(.*?)</style>", report.html, flags=re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert directives["style-src"] == [f"'sha256-{digest}'"]
    assert [f for f in inline_code(report.html) if not f.startswith("<style> block")] == []


# --- the templates themselves ----------------------------------------------------------------------

INLINE_IN_TEMPLATE = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>"
    r"|<style[\s>]|\sstyle=[\"']|\son[a-z]+=[\"']|javascript:",
    re.IGNORECASE,
)
# A stored document with its own, hash-allowed style (see the test above).
TEMPLATES_WITH_OWN_POLICY = {"procurement/templates/procurement/evaluation/report_evaluation.html"}


def test_no_template_of_ours_writes_inline_script_or_style():
    base = Path(settings.BASE_DIR)
    offenders = []
    for path in sorted(base.glob("**/templates/**/*.html")):
        relative = path.relative_to(base).as_posix()
        if relative.startswith((".venv/", "var/", "node_modules/")) or relative in TEMPLATES_WITH_OWN_POLICY:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if INLINE_IN_TEMPLATE.search(line):
                offenders.append(f"{relative}:{number}: {line.strip()[:120]}")
    assert offenders == []


def test_a_failed_csrf_check_shows_our_chinese_page_without_inline_style():
    from django.test import Client

    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
    response = client.post(reverse("procurement:receipt_verify"), {"receipt": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "表单已过期" in html and "刷新页面" in html
    assert inline_code(html) == []
    assert_strict(response)
