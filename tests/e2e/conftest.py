"""Browser tests: Playwright for Python drives Debian's `chromium` (found on PATH, never Playwright's
own download) against pytest-django's live server.

- `browser`: one headless Chromium per run of consecutive e2e tests, living in a thread of its own
  (see `Remote`): the test's thread never runs Playwright's asyncio loop, so Django's ORM and its
  transactional test machinery behave there as in every other test.
- `viewport` (1280 and 375 px), `page` and `new_page` (a fresh context: another user's cookies).
- `login(page, user)`: signs in through the login form.
- `journey`: `journey.step(page, "name")` saves var/e2e/<journey>/<viewport>/<nn>-<name>.png, runs
  axe-core (vendored in static/vendor/axe-core) and asserts zero serious or critical violations, and
  checks that every link to the live server on the page answers below 400 for that page's user.
- The Content-Security-Policy is enforced as in production (no `bypass_csp`): every page records the
  CSP violations Chromium reports on its console (`page.csp_violations`); `journey.step` fails on
  any, and so does the end of every test that opened a page (a blocked script breaks silently).
"""

from __future__ import annotations

import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from playwright.sync_api import Browser, Page, sync_playwright

from tests.factories import TEST_PASSWORD

AXE_JS = Path(settings.BASE_DIR) / "static" / "vendor" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "e2e"
BLOCKING_IMPACTS = ("serious", "critical")
# Chromium's console message for a blocked resource, inline script/style or eval, e.g. "Refused to
# apply inline style because it violates the following Content Security Policy directive: ...".
CSP_VIOLATION = re.compile(r"violates the following Content Security Policy", re.IGNORECASE)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORTS = {
    "1280": {"viewport": {"width": 1280, "height": 800}},
    "375": {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True},
}


_BROWSER_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="playwright")


def _in_browser_thread(function, *args, **kwargs):
    return _BROWSER_THREAD.submit(function, *args, **kwargs).result()


def _wrap(value):
    if isinstance(value, list):
        return [_wrap(item) for item in value]
    if type(value).__module__.startswith("playwright"):
        return Remote(value)
    return value


def _unwrap(value):
    return object.__getattribute__(value, "_target") if isinstance(value, Remote) else value


class Remote:
    """A Playwright object used from the test's thread: every call runs in the one browser thread.

    Playwright's sync API runs an asyncio loop in the thread that starts it. Started in the test's
    own thread, that loop changes which database connection Django's context-local handler hands
    out there, so the transactional test's flush and reload of the seeded data would run on another
    connection object than the one that holds the serialized state. Kept in a thread of its own, the
    browser leaves the test thread exactly as Django expects it."""

    __slots__ = ("_target",)

    def __init__(self, target) -> None:
        object.__setattr__(self, "_target", target)

    def __getattr__(self, name):
        target = object.__getattribute__(self, "_target")
        value = _in_browser_thread(getattr, target, name)
        if callable(value) and not type(value).__module__.startswith("playwright"):

            def call(*args, **kwargs):
                args = [_unwrap(a) for a in args]
                kwargs = {k: _unwrap(v) for k, v in kwargs.items()}
                return _wrap(_in_browser_thread(value, *args, **kwargs))

            return call
        return _wrap(value)

    def __setattr__(self, name, value) -> None:
        setattr(object.__getattribute__(self, "_target"), name, value)

    def __enter__(self):
        return _wrap(_in_browser_thread(object.__getattribute__(self, "_target").__enter__))

    def __exit__(self, *exc):
        return _in_browser_thread(object.__getattribute__(self, "_target").__exit__, *exc)

    def __repr__(self) -> str:
        return f"Remote({object.__getattribute__(self, '_target')!r})"


class _BrowserHolder:
    """Starts Playwright and Chromium in the browser thread on first use; `stop()` ends both."""

    def __init__(self) -> None:
        self._playwright = None
        self._browser = None

    def get(self) -> Remote:
        if self._browser is None:
            executable = shutil.which("chromium")
            if executable is None:
                pytest.fail("Debian's chromium is not on PATH (`.ci/run` installs it with apt)")
            self._playwright = _in_browser_thread(lambda: sync_playwright().start())
            self._browser = _in_browser_thread(
                self._playwright.chromium.launch,
                executable_path=executable,
                headless=True,
                args=CHROMIUM_ARGS,
            )
        return Remote(self._browser)

    def stop(self) -> None:
        if self._playwright is None:
            return
        try:
            if self._browser is not None:
                _in_browser_thread(self._browser.close)
        finally:
            _in_browser_thread(self._playwright.stop)
            self._playwright = self._browser = None


_holder = _BrowserHolder()


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item, nextitem):
    """After the fixtures of the last e2e test in a row are torn down (they need the browser)."""
    if nextitem is None or nextitem.get_closest_marker("e2e") is None:
        _holder.stop()


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def browser() -> Browser:
    """The session's Chromium (started once for each run of consecutive e2e tests, see above)."""
    return _holder.get()


@pytest.fixture(params=list(VIEWPORTS), ids=lambda width: f"{width}px")
def viewport(request) -> str:
    return request.param


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits (public reports, sign-ups) count per IP address: every browser is 127.0.0.1."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def new_page(browser, viewport, live_server):
    """A page in a new browser context (its own cookies: one user each), Chinese first."""
    contexts = []

    def make() -> Page:
        context = browser.new_context(
            base_url=live_server.url,
            locale="zh-CN",
            extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"},
            **VIEWPORTS[viewport],
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.user = None
        watch_csp(page)
        pages.append(page)
        return page

    pages = []
    yield make
    violations = [v for page in pages for v in csp_violations(page)]
    for context in contexts:
        context.close()
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


@pytest.fixture
def login():
    def sign_in(page: Page, user, password: str = TEST_PASSWORD) -> None:
        page.goto(reverse("accounts:login"))
        page.fill("input[name=username]", user.get_username())
        page.fill("input[name=password]", password)
        with page.expect_navigation():
            page.press("input[name=password]", "Enter")
        assert urlsplit(page.url).path != reverse("accounts:login"), f"login failed for {user}"
        second_factor_step(page, user)
        page.user = user

    return sign_in


def totp_code(device) -> str:
    """A code an authenticator app shows for `device` (its codes follow the clock, whatever the
    device's recorded drift), for a time step the device has not used yet (django-otp refuses a step
    twice) and that it accepts now and one step later (one step either side of the clock plus its
    drift): the step of the clock plus drift, or the one after. A drift of -1, recorded when a code
    reached the server just after its step ended, once made the code of the used step be sent again."""
    import time

    from django_otp.oath import TOTP

    device.refresh_from_db()
    for _attempt in range(3):
        now_step = int((time.time() - device.t0) // device.step)
        for candidate in (now_step + device.drift, now_step + device.drift + 1):
            if candidate > device.last_t:
                totp = TOTP(device.bin_key, device.step, device.t0, device.digits, 0)
                totp.time = device.t0 + candidate * device.step + device.step / 2
                return f"{totp.token():0{device.digits}d}"
        time.sleep(device.step)
    raise AssertionError("no unused TOTP step")


def second_factor_step(page: Page, user) -> None:
    """Staff confirm a TOTP code after the password: set up the device when they have none (the
    recovery codes page is then acknowledged), or enter the current code."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    path = urlsplit(page.url).path
    if path == reverse("accounts:otp_setup"):
        device = TOTPDevice.objects.get(user=user, confirmed=False)
        page.fill("input[name=token]", totp_code(device))
        with page.expect_navigation():
            page.press("input[name=token]", "Enter")
        assert urlsplit(page.url).path == reverse("accounts:otp_recovery_codes"), (
            f"2FA setup failed for {user}"
        )
        with page.expect_navigation():
            page.get_by_role("button", name="我已保存，继续").click()
    elif path == reverse("accounts:otp_verify"):
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        page.fill("input[name=token]", totp_code(device))
        with page.expect_navigation():
            page.press("input[name=token]", "Enter")
        assert urlsplit(page.url).path != reverse("accounts:otp_verify"), f"2FA code refused for {user}"


# --- the checks ---------------------------------------------------------------------------------


class CspLog:
    """The CSP violations of one page (an object, not a list: `Remote` hands lists out as copies)."""

    def __init__(self) -> None:
        self.entries: list[str] = []

    def clear(self) -> None:
        self.entries.clear()


def watch_csp(page: Page) -> None:
    """Collects the page's CSP violations (Chromium logs each on the console) in page.csp_violations."""
    log = CspLog()

    def on_console(message) -> None:
        if CSP_VIOLATION.search(message.text):
            log.entries.append(f"{message.location.get('url') or '?'}: {message.text}")

    page.on("console", on_console)
    page.csp_violations = log


def csp_violations(page: Page) -> list[str]:
    return list(page.csp_violations.entries)


def axe_violations(page: Page) -> list[dict]:
    """Runs axe-core on the current page; returns the serious and critical violations."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, which the page's CSP does not govern (a <script>
        # tag with the source inline would be refused by script-src 'self').
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    results = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 200)})),
            }));
        }"""
    )
    return [v for v in results if v["impact"] in BLOCKING_IMPACTS]


def format_axe(url: str, violations: list[dict]) -> str:
    lines = [f"axe: {len(violations)} serious/critical violation(s) on {url}"]
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']}")
        lines.extend(f"      {n['target']}  {n['html']}" for n in v["nodes"][:10])
    return "\n".join(lines)


def page_links(page: Page, origin: str) -> list[str]:
    """The distinct absolute URLs of the page's <a href> on the live server, without fragments."""
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    links = []
    for href in hrefs:
        url, _fragment = urldefrag(href)
        if url.startswith(origin) and url not in links:
            links.append(url)
    return links


@dataclass
class Journey:
    """Screenshots, axe and the link check for each step of one journey at one viewport."""

    name: str
    viewport: str
    origin: str
    directory: Path = field(init=False)
    number: int = 0
    checked: dict = field(default_factory=dict)  # (user, url) -> status, per test

    def __post_init__(self) -> None:
        self.directory = SCREENSHOTS / self.name / self.viewport
        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory.mkdir(parents=True, exist_ok=True)

    def screenshot(self, page: Page, step: str) -> Path:
        self.number += 1
        slug = re.sub(r"[^a-z0-9]+", "-", step.lower()).strip("-")
        path = self.directory / f"{self.number:02d}-{slug}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    def check_axe(self, page: Page) -> None:
        violations = axe_violations(page)
        assert not violations, format_axe(page.url, violations)

    def check_csp(self, page: Page) -> None:
        violations = csp_violations(page)
        assert not violations, f"Content-Security-Policy violations on {page.url}:\n" + "\n".join(violations)

    def check_links(self, page: Page) -> None:
        user = getattr(page, "user", None)
        login_path = reverse("accounts:login")
        broken = []
        for url in page_links(page, self.origin):
            key = (user.pk if user else None, url)
            if key not in self.checked:
                response = page.request.get(url)
                landed = urlsplit(response.url).path
                status = response.status
                if user is not None and landed == login_path and urlsplit(url).path != login_path:
                    status = "login"  # a signed-in user sent to the login page: the link is not for them
                self.checked[key] = status
            status = self.checked[key]
            if status == "login" or status >= 400:
                broken.append(f"  {status} {url}")
        assert not broken, f"links on {page.url} that fail for {user or 'anonymous'}:\n" + "\n".join(broken)

    def step(self, page: Page, step: str) -> Path:
        """Screenshot first (kept even when a check fails), then the CSP, axe and the links."""
        path = self.screenshot(page, step)
        self.check_csp(page)
        self.check_axe(page)
        self.check_links(page)
        return path


@pytest.fixture
def journey(request, viewport, live_server):
    """`journey` named after the test module (test_<name>.py), e.g. var/e2e/public_report/375/."""
    name = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    return Journey(name=name, viewport=viewport, origin=live_server.url)
