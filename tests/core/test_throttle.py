"""core.throttle (issue 13, point 6): fixed-window counters in the cache, the client's address and
session as keys, the limits from settings, and the signed single-use arithmetic challenge. The forms
that use it have their own tests (tests/core/throttling.py lists them)."""

from __future__ import annotations

import os
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.backends.cache import SessionStore
from django.core import signing
from django.core.cache import cache, caches
from django.test import RequestFactory, override_settings
from django.utils import timezone

from core import throttle

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


class Clock:
    """A controllable throttle.clock: windows change without sleeping."""

    def __init__(self, start: float):
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock(1_800_000_000.0)  # a window boundary: 1_800_000_000 is a multiple of 3600
    monkeypatch.setattr(throttle, "clock", fake)
    return fake


def request(method="post", ip="192.0.2.10", session=None, **meta):
    req = getattr(RequestFactory(), method)("/form/", REMOTE_ADDR=ip, **meta)
    req.session = session if session is not None else SessionStore()
    return req


def rules(settings, **entries):
    settings.THROTTLES = {**settings.THROTTLES, **entries}


# --- the client's address -------------------------------------------------------------------------


def test_the_address_is_remote_addr_and_a_forged_forwarded_header_is_ignored(settings):
    settings.AUDIT_PROXY_COUNT = 0
    req = request(ip="192.0.2.10", HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert throttle.ip_key(req) == "192.0.2.10"


def test_behind_trusted_proxies_the_address_is_the_one_the_outermost_proxy_saw(settings):
    settings.AUDIT_PROXY_COUNT = 1
    # a client's own forged entry sits on the left; the proxy appends the address it saw
    req = request(ip="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.99, 198.51.100.7")
    assert throttle.ip_key(req) == "198.51.100.7"
    settings.AUDIT_PROXY_COUNT = 2
    assert throttle.ip_key(req) == "203.0.113.99"
    # fewer entries than trusted proxies: REMOTE_ADDR, never a guess
    settings.AUDIT_PROXY_COUNT = 3
    assert throttle.ip_key(req) == "10.0.0.2"


def test_ipv6_clients_count_by_their_64_network_and_odd_addresses_share_one_key():
    assert throttle.ip_key(request(ip="2001:db8:1:2:aaaa::1")) == "2001:db8:1:2::/64"
    assert throttle.ip_key(request(ip="2001:db8:1:2:bbbb::9")) == "2001:db8:1:2::/64"
    assert throttle.ip_key(request(ip="::ffff:192.0.2.10")) == "192.0.2.10"
    assert throttle.ip_key(request(ip="not-an-ip")) == "unknown"
    assert throttle.ip_key(request(ip="")) == "unknown"


def test_the_session_id_is_made_on_a_post_only_and_survives_a_key_rotation():
    session = SessionStore()
    assert throttle.session_key(request("get", session=session), create=False) is None
    assert throttle.SESSION_ID_KEY not in session
    ident = throttle.session_key(request(session=session))
    session.cycle_key()  # what a log-in does
    assert throttle.session_key(request(session=session)) == ident


# --- limits and windows -----------------------------------------------------------------------------


def test_rule_reads_settings_and_the_older_setting_names(settings):
    rules(settings, demo={"ip": 3, "session": 0, "window": 60, "challenge_after": 2})
    rule = throttle.rule("demo")
    assert rule.limits == {"ip": 3} and rule.window == 60 and rule.challenge_after == 2
    settings.PROCUREMENT_PUBLIC_REPORT_RATE_LIMIT = 7
    assert throttle.rule("public_report").limits["ip"] == 7
    assert throttle.rule("public_report").limits["session"] == 7


def test_the_limit_refuses_the_next_submission_until_the_window_ends(settings, clock):
    rules(settings, demo={"ip": 2, "session": 100, "window": 3600})
    for _ in range(2):
        assert throttle.Guard(request(), "demo").reserve()
    guard = throttle.Guard(request(), "demo")
    assert guard.limited() and not guard.reserve()
    # the message says when, in local time, and how long
    clock.now += 15 * 60
    retry = timezone.localtime(guard.retry_at())
    assert retry.strftime("%H:%M") in guard.message() and "约 45 分钟后" in guard.message()
    # another address is not affected
    assert throttle.Guard(request(ip="192.0.2.11"), "demo").reserve()
    # one second before the window ends: still refused; at its end: accepted again
    clock.now = 1_800_000_000.0 + 3599
    assert not throttle.Guard(request(), "demo").reserve()
    clock.now = 1_800_000_000.0 + 3600
    assert throttle.Guard(request(), "demo").reserve()


def test_a_refused_reservation_takes_no_slot_and_a_release_gives_one_back(settings, clock):
    rules(settings, demo={"ip": 1, "session": 100, "window": 3600})
    first = throttle.Guard(request(), "demo")
    assert first.reserve()
    for _ in range(3):
        assert not throttle.Guard(request(), "demo").reserve()
    first.release()  # the write failed
    assert throttle.Guard(request(), "demo").reserve()
    assert not throttle.Guard(request(), "demo").reserve()


def test_the_session_limit_holds_across_addresses_and_extra_keys_are_hashed(settings, clock):
    rules(settings, demo={"ip": 100, "session": 2, "email": 1, "window": 3600})
    session = SessionStore()
    assert throttle.Guard(request(ip="192.0.2.1", session=session), "demo").reserve()
    assert throttle.Guard(request(ip="192.0.2.2", session=session), "demo").reserve()
    assert not throttle.Guard(request(ip="192.0.2.3", session=session), "demo").reserve()

    guard = throttle.Guard(request(), "demo")
    guard.add_key("email", "Ming@Example.org")
    assert guard.reserve()
    again = throttle.Guard(request(ip="192.0.2.9"), "demo")
    again.add_key("email", " ming@example.org")
    assert not again.reserve()
    assert not any("ming" in key for key in guard._limit_keys().values())


def test_counters_are_atomic_add_then_incr():
    key = f"throttle:test:{uuid.uuid4().hex}"
    assert [throttle.incr(key, 60) for _ in range(5)] == [1, 2, 3, 4, 5]
    throttle.decr(key)
    assert cache.get(key) == 4
    throttle.decr("throttle:test:missing")  # nothing to give back: no error


def test_a_refusal_is_logged(settings, clock, caplog):
    rules(settings, demo={"ip": 1, "session": 100, "window": 3600})
    throttle.Guard(request(), "demo").reserve()
    with caplog.at_level("WARNING", logger="core.throttle"):
        assert not throttle.Guard(request(), "demo").reserve()
    [record] = [r for r in caplog.records if r.name == "core.throttle"]
    assert "form=demo" in record.getMessage() and "scopes=ip" in record.getMessage()


# --- the challenge ---------------------------------------------------------------------------------


def _answer(question: str) -> int:
    a, op, b = question.replace(" 等于多少？", "").split(" ")
    return int(a) + int(b) if op == "+" else int(a) - int(b)


def test_the_challenge_token_hides_the_answer_and_is_accepted_once():
    question, token = throttle.new_challenge("demo")
    answer = _answer(question)
    payload = signing.TimestampSigner(salt="core.throttle.challenge").unsign_object(token)
    assert set(payload) == {"f", "n", "h"} and str(answer) not in (payload["f"], payload["n"], payload["h"])
    assert throttle.check_challenge("demo", str(answer), token) is None
    assert throttle.check_challenge("demo", str(answer), token) == "这道题已经回答过，请回答下面的新题目。"


def test_a_wrong_answer_spends_the_question():
    question, token = throttle.new_challenge("demo")
    answer = _answer(question)
    assert throttle.check_challenge("demo", str(answer + 1), token) == "答案不对，请回答下面的新题目。"
    assert throttle.check_challenge("demo", str(answer), token) == "这道题已经回答过，请回答下面的新题目。"


def test_full_width_digits_are_accepted_and_text_is_not():
    question, token = throttle.new_challenge("demo")
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in str(_answer(question)))
    assert throttle.check_challenge("demo", full_width, token) is None
    _question, token = throttle.new_challenge("demo")
    assert throttle.check_challenge("demo", "abc", token) == "答案不对，请回答下面的新题目。"


def test_a_challenge_of_another_form_a_forged_or_an_expired_token_is_refused(settings):
    question, token = throttle.new_challenge("signup")
    assert throttle.check_challenge("public_report", str(_answer(question)), token) == "请回答下面的题目。"
    assert throttle.check_challenge("signup", "3", token[:-2] + "xx") == "请回答下面的题目。"
    question, token = throttle.new_challenge("signup")
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.THROTTLE_CHALLENGE_MAX_AGE + 5)):
        assert (
            throttle.check_challenge("signup", str(_answer(question)), token)
            == "这道题已过期，请回答下面的新题目。"
        )


def test_the_guard_shows_the_challenge_after_n_posts_and_enforces_it_only_once_shown(settings, clock):
    from django import forms

    class DemoForm(forms.Form):
        text = forms.CharField()

    rules(settings, demo={"ip": 100, "session": 100, "window": 3600, "challenge_after": 2})
    assert throttle.CHALLENGE_FIELD not in throttle.Guard(request("get"), "demo").protect(DemoForm()).fields
    first = throttle.Guard(request(), "demo").protect(DemoForm({"text": "a"}))
    assert throttle.CHALLENGE_FIELD not in first.fields and first.is_valid()
    # the second post is not asked (it was not shown one) but its re-rendered form shows one
    second = throttle.Guard(request(), "demo").protect(DemoForm({"text": "a"}))
    assert throttle.CHALLENGE_FIELD in second.fields and second.is_valid()
    third = throttle.Guard(request(), "demo").protect(DemoForm({"text": "a"}))
    assert not third.is_valid() and throttle.CHALLENGE_FIELD in third.errors
    # the widget renders a fresh question, never the posted answer or token
    html = str(third[throttle.CHALLENGE_FIELD])
    assert 'type="hidden"' in html and third.fields[throttle.CHALLENGE_FIELD].widget.token in html
    assert "<script" not in html and "style=" not in html
    # posts on another address are not asked
    other = throttle.Guard(request(ip="192.0.2.77"), "demo").protect(DemoForm({"text": "a"}))
    assert throttle.CHALLENGE_FIELD not in other.fields
    # a new window starts without a challenge
    clock.now += 3600
    assert (
        throttle.CHALLENGE_FIELD
        not in throttle.Guard(request(), "demo").protect(DemoForm({"text": "a"})).fields
    )


# --- Redis ----------------------------------------------------------------------------------------------


def _redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    in_ci = os.environ.get("CI", "").lower() == "true"
    if not url.startswith(("redis://", "rediss://")):
        if in_ci:
            pytest.fail("CI=true: the throttle's Redis test needs REDIS_URL=redis://...")
        pytest.skip("needs Redis (set REDIS_URL)")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping()
    except redis.exceptions.RedisError as exc:
        if in_ci:
            pytest.fail(f"CI=true: Redis at REDIS_URL is unreachable ({exc})")
        pytest.skip(f"Redis at REDIS_URL is unreachable ({exc})")
    return url


@pytest.mark.redis
def test_on_redis_concurrent_reservations_never_exceed_the_limit(settings, clock):
    """Several processes' workers share Redis: 40 concurrent reservations against a limit of 7 take
    exactly 7 slots, and the challenge is single-use across them too."""
    from concurrent.futures import ThreadPoolExecutor

    url = _redis_url()
    prefix = f"h4-throttle-test-{uuid.uuid4().hex}"
    redis_cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
            "TIMEOUT": 120,
        }
    }
    rules(settings, demo={"ip": 7, "session": 1000, "window": 3600})
    with override_settings(CACHES=redis_cache):  # Django's test signal resets the cache handler
        try:
            assert "Redis" in type(caches["default"]).__name__
            with ThreadPoolExecutor(max_workers=8) as pool:
                results = list(pool.map(lambda _: throttle.Guard(request(), "demo").reserve(), range(40)))
            assert results.count(True) == 7

            question, token = throttle.new_challenge("demo")
            answer = str(_answer(question))
            with ThreadPoolExecutor(max_workers=8) as pool:
                verdicts = list(
                    pool.map(lambda _: throttle.check_challenge("demo", answer, token), range(10))
                )
            assert verdicts.count(None) == 1
        finally:
            client = caches["default"]._cache.get_client(write=True)
            for key in client.scan_iter(f"{prefix}:*"):
                client.delete(key)
