"""The behaviour every throttled public form shares (core.throttle), written once and run by each form's
own test module (tests/accounts, tests/orgs, tests/procurement) with a `Case` describing the form."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.test import Client

from core.throttle import CHALLENGE_FIELD

OTHER_IP = "10.9.8.7"
ONE_IP = "10.1.2.3"


@dataclass
class Case:
    name: str  # the THROTTLES entry
    url: str
    lead: str  # the Chinese first sentence of the refusal
    data: Callable[[int], dict]  # the n-th distinct, valid submission
    written: Callable[[], int]  # how many of the form's records (or e-mails) exist
    form_key: str = "form"  # the context name of the form that carries the challenge
    client: Callable[[], Client] = Client  # a fresh client, signed in when the form needs it
    success_status: int = 302


def limits(settings, name: str, **rule) -> None:
    """Override one form's THROTTLES entry (limits high unless given; no challenge unless given)."""
    base = {"ip": 1000, "session": 1000, "window": 3600, "challenge_after": 0}
    for scope in ("user", "email"):
        if scope in settings.THROTTLES.get(name, {}):
            base[scope] = 1000
    settings.THROTTLES = {**settings.THROTTLES, name: {**base, **rule}}


def post(case: Case, client: Client, n: int, ip: str = ONE_IP, extra: dict | None = None):
    return client.post(case.url, {**case.data(n), **(extra or {})}, REMOTE_ADDR=ip)


def challenge_of(response, form_key: str = "form") -> tuple[str, dict]:
    """The question shown and the post data that answers it (right)."""
    form = response.context[form_key]
    assert CHALLENGE_FIELD in form.fields, "the form shows no challenge"
    field = form.fields[CHALLENGE_FIELD]
    question = str(field.label)
    a, op, b = re.match(r"^(\d+) ([+−]) (\d+) 等于多少？$", question).groups()
    answer = int(a) + int(b) if op == "+" else int(a) - int(b)
    name = form.add_prefix(CHALLENGE_FIELD)
    assert f'name="{name}_token"' in response.content.decode()  # rendered, without any script
    return question, {f"{name}_answer": str(answer), f"{name}_token": field.widget.token}


def wrong(answer_data: dict) -> dict:
    return {
        key: str(int(value) + 1) if key.endswith("_answer") else value for key, value in answer_data.items()
    }


# --- the behaviours ----------------------------------------------------------------------------------


def check_ip_limit(case: Case, settings, caplog) -> None:
    """The N+1th submission from one IP address (each from a new session) is refused with 429 and the
    Chinese retry time, and writes nothing; another IP address is not affected."""
    limits(settings, case.name, ip=2)
    before = case.written()
    for n in range(2):
        response = post(case, case.client(), n)
        assert response.status_code == case.success_status, (
            response.context and response.context.get(case.form_key).errors
        )
    assert case.written() == before + 2
    with caplog.at_level(logging.WARNING, logger="core.throttle"):
        refused = post(case, case.client(), 2)
    assert refused.status_code == 429
    [message] = refused.context[refusal_form_key(case)].non_field_errors()
    assert message.startswith(case.lead + "请于 ") and "分钟后）。" in message, message
    assert case.written() == before + 2
    assert any("throttle: refused" in r.getMessage() and case.name in r.getMessage() for r in caplog.records)
    assert post(case, case.client(), 3, ip=OTHER_IP).status_code == case.success_status
    assert case.written() == before + 3


def check_session_limit(case: Case, settings) -> None:
    """The N+1th submission from one session is refused even from another IP address; a new session
    on the first address is not affected."""
    limits(settings, case.name, session=2)
    client = case.client()
    before = case.written()
    assert post(case, client, 0).status_code == case.success_status
    assert post(case, client, 1, ip=OTHER_IP).status_code == case.success_status
    refused = post(case, client, 2, ip="10.5.5.5")
    assert refused.status_code == 429 and case.written() == before + 2
    assert post(case, case.client(), 3).status_code == case.success_status


def check_challenge(case: Case, settings) -> None:
    """After N posts from one IP address the form asks a sum: a missing or wrong answer is refused with
    a clear message and writes nothing, the right one passes, a replayed one is refused; another IP
    address is asked nothing."""
    limits(settings, case.name, challenge_after=2)
    before = case.written()
    assert (
        CHALLENGE_FIELD not in case.client().get(case.url, REMOTE_ADDR=ONE_IP).context[case.form_key].fields
    )
    for n in range(2):
        assert post(case, case.client(), n).status_code == case.success_status
    shown = case.client().get(case.url, REMOTE_ADDR=ONE_IP)
    _question, right = challenge_of(shown, case.form_key)

    unanswered = post(case, case.client(), 10)
    assert unanswered.status_code == 200
    assert unanswered.context[case.form_key].errors[CHALLENGE_FIELD] == ["请回答下面的题目。"]

    refused = post(case, case.client(), 11, extra=wrong(right))
    assert refused.status_code == 200 and case.written() == before + 2
    assert refused.context[case.form_key].errors[CHALLENGE_FIELD] == ["答案不对，请回答下面的新题目。"]
    # the re-rendered form asks a new question
    _question, fresh = challenge_of(refused, case.form_key)
    assert fresh != right

    assert post(case, case.client(), 12, extra=fresh).status_code == case.success_status
    assert case.written() == before + 3

    replayed = post(case, case.client(), 13, extra=fresh)
    assert replayed.status_code == 200 and case.written() == before + 3
    assert replayed.context[case.form_key].errors[CHALLENGE_FIELD] == [
        "这道题已经回答过，请回答下面的新题目。"
    ]
    # the wrong answer spent its question too: answering it right now does not help
    spent = post(case, case.client(), 14, extra=right)
    assert spent.status_code == 200 and case.written() == before + 3

    other = case.client().get(case.url, REMOTE_ADDR=OTHER_IP)
    assert CHALLENGE_FIELD not in other.context[case.form_key].fields
    assert post(case, case.client(), 15, ip=OTHER_IP).status_code == case.success_status
    assert case.written() == before + 4


def refusal_form_key(case: Case) -> str:
    # the refusal sits on the first form of the page: the same as the challenge's except on the
    # organization registration (three forms: the refusal on the account, the challenge on documents)
    return "account" if case.form_key == "documents" else case.form_key
