"""The browser tests' own checks, on pages built for them: axe-core reports a serious violation and
passes a clean page; the link check passes links that answer and names those that do not."""

import pytest
from django.conf import settings

from tests.e2e.conftest import axe_violations, csp_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _page(live_server, body: str) -> str:
    return (
        '<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8"><title>检查</title></head>'
        f"<body><main><h1>检查</h1>{body}</main></body></html>"
    )


def test_axe_passes_a_clean_page_and_reports_an_image_without_alternative_text(page, live_server):
    page.set_content(_page(live_server, "<p>内容</p>"))
    assert axe_violations(page) == []
    page.set_content(_page(live_server, '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'))
    assert [v["id"] for v in axe_violations(page)] == ["image-alt"]


def test_link_check_passes_answering_links_and_names_the_broken_ones(page, live_server, journey):
    readme = f"{live_server.url}{settings.STATIC_URL}vendor/axe-core/README.md"
    missing = f"{live_server.url}{settings.STATIC_URL}vendor/axe-core/missing.js"
    page.goto(readme)
    page.set_content(
        _page(live_server, f'<a href="{readme}#top">说明</a> <a href="https://example.org/">外部</a>')
    )
    journey.check_links(page)
    page.set_content(_page(live_server, f'<a href="{readme}">说明</a> <a href="{missing}">缺失</a>'))
    with pytest.raises(AssertionError, match=r"404 .*missing\.js"):
        journey.check_links(page)


def test_the_csp_is_enforced_and_its_violations_are_reported(page, live_server):
    """The live pages carry the strict policy; an inline style or script on them is refused by the
    browser and lands in page.csp_violations (which journey.step and the page fixture check)."""
    page.goto("/")
    assert page.evaluate("() => typeof window.axe") == "undefined"
    assert axe_violations(page) == []  # axe-core still runs under the policy
    assert csp_violations(page) == []
    page.evaluate(
        """() => {
            const p = document.createElement('p');
            p.setAttribute('style', 'color: red');
            document.querySelector('main').appendChild(p);
            const s = document.createElement('script');
            s.textContent = 'window.injected = true';
            document.body.appendChild(s);
        }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.injected === undefined")  # the inline script did not run
    found = csp_violations(page)
    assert any("style-src" in v for v in found), found
    assert any("script-src" in v for v in found), found
    page.csp_violations.clear()  # seen: the page fixture's final check is for unexpected ones
