"""Survey tokens are stored as keyed hashes (issue #13, point 8): the table holds HMAC-SHA256 of each
token under a key of its own purpose, the clear links are shown once when issued, tokens are found
by their hash, rows stored in clear before are hashed by the migration, and every token that is not
one of ours answers 404 alike."""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from procurement.contracts.models.performance import (
    SURVEY_TOKEN_KEY_SALT,
    SurveyToken,
    survey_token_digest,
)
from procurement.contracts.services.performance import (
    evaluation_open,
    survey_answer,
    survey_token_state,
    survey_tokens_issue,
)
from tests.procurement.contracting import active_contract, published_award

ANSWER = {"overall": "5", "timeliness": "4", "attitude": "5", "comment": ""}


def _expected_digest(token: str, secret: str) -> str:
    """HMAC-SHA256 under the key Django's salted_hmac derives (SHA-256 of salt + secret), by hand."""
    key = hashlib.sha256((SURVEY_TOKEN_KEY_SALT + secret).encode()).digest()
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()


@pytest.fixture
def evaluation_setup(db):
    award, officer, _winner, _others = published_award()
    contract = active_contract(award, officer)
    return officer, evaluation_open(actor=officer, contract=contract)


def _stored_values() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {SurveyToken._meta.db_table}")
        return [str(value) for row in cursor.fetchall() for value in row]


def test_only_the_keyed_hash_of_each_token_is_stored(evaluation_setup, settings):
    officer, evaluation = evaluation_setup
    tokens = survey_tokens_issue(actor=officer, evaluation=evaluation, count=3)
    clear = [t.token for t in tokens]
    assert len(set(clear)) == 3 and all(len(t) >= 20 for t in clear)
    assert "token" not in {f.name for f in SurveyToken._meta.get_fields()}
    stored = _stored_values()
    assert not [value for value in stored for token in clear if token in value]
    rows = {row.pk: row for row in SurveyToken.objects.filter(evaluation=evaluation)}
    for issued in tokens:
        row = rows[issued.pk]
        assert row.token is None  # a row read back has no clear token
        assert row.token_hash == _expected_digest(issued.token, settings.SECRET_KEY)
        # a key of its own purpose: neither a bare hash nor an HMAC under SECRET_KEY itself
        assert row.token_hash != hashlib.sha256(issued.token.encode()).hexdigest()
        assert (
            row.token_hash
            != hmac.new(settings.SECRET_KEY.encode(), issued.token.encode(), hashlib.sha256).hexdigest()
        )


def test_a_configured_key_is_used_instead_of_the_derived_one(evaluation_setup, settings):
    officer, evaluation = evaluation_setup
    settings.SURVEY_TOKEN_HMAC_KEY = "a-survey-token-key-of-its-own-0123456789"
    [issued] = survey_tokens_issue(actor=officer, evaluation=evaluation, count=1)
    row = SurveyToken.objects.get(pk=issued.pk)
    assert row.token_hash == _expected_digest(issued.token, settings.SURVEY_TOKEN_HMAC_KEY)
    assert survey_token_state(issued.token) == (row, "")
    settings.SURVEY_TOKEN_HMAC_KEY = "another-key-0123456789abcdef0123456789"
    assert survey_token_state(issued.token)[0] is None  # a new key voids the links issued before


def test_links_issued_before_a_secret_key_rotation_still_answer(client, evaluation_setup, settings):
    officer, evaluation = evaluation_setup
    [issued] = survey_tokens_issue(actor=officer, evaluation=evaluation, count=1)
    old = settings.SECRET_KEY
    settings.SECRET_KEY = "a-rotated-secret-key-0123456789abcdefghijklmnop"
    url = reverse("procurement:survey", args=[issued.token])
    settings.SECRET_KEY_FALLBACKS = []
    assert client.get(url).status_code == 404
    settings.SECRET_KEY_FALLBACKS = [old]
    assert client.get(url).status_code == 200
    response = client.post(url, ANSWER)
    assert response.status_code == 200 and b"data-survey-thanks" in response.content
    assert SurveyToken.objects.get(pk=issued.pk).used


def test_the_officer_sees_the_links_once_when_issuing_them(client, evaluation_setup):
    officer, evaluation = evaluation_setup
    url = reverse("procurement:survey_tokens", args=[evaluation.pk])
    client.force_login(officer)
    response = client.post(url, {"count": "2"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert page.count("data-survey-card") == 2 and "data-survey-once" in page
    links = sorted(set(re.findall(r"http://testserver(/procurement/survey/[^/<\"]+/)", page)))
    assert len(links) == 2
    for row in SurveyToken.objects.filter(evaluation=evaluation):
        assert row.token_hash not in page
    # each printed link opens the survey
    for link in links:
        assert client.get(link).status_code == 200
    # afterwards: no link can be shown again, only how many are out and used
    client.post(links[0], ANSWER)
    again = client.get(url).content.decode()
    assert "data-survey-card" not in again and "/procurement/survey/" not in again
    assert "已使用 1 / 2 个链接" in again


def test_tokens_that_are_not_ours_answer_404_alike(client, evaluation_setup):
    officer, evaluation = evaluation_setup
    [issued] = survey_tokens_issue(actor=officer, evaluation=evaluation, count=1)
    stored_hash = SurveyToken.objects.get(pk=issued.pk).token_hash
    strangers = [
        "nope",
        "nopenopenope",
        issued.token[:-1] + ("A" if issued.token[-1] != "A" else "B"),
        issued.token + "x" * 50,  # longer than any token
        "x" * 300,
        stored_hash,  # a copy of the table gives no usable link
        stored_hash[:32],
    ]
    for token in strangers:
        url = f"/procurement/survey/{token}/"  # not reverse(): the URL pattern may refuse some itself
        assert client.get(url).status_code == 404, token
        assert client.post(url, ANSWER).status_code == 404, token
        with pytest.raises(Exception) as error:
            survey_answer(token=token, overall=5, timeliness=5, attitude=5)
        assert getattr(error.value, "code", None) == "invalid_token"
    assert not SurveyToken.objects.get(pk=issued.pk).used
    assert evaluation.answers.count() == 0
    # the real one still answers, once
    url = reverse("procurement:survey", args=[issued.token])
    assert client.post(url, ANSWER).status_code == 200
    assert client.get(url).status_code == 410


@pytest.mark.django_db(transaction=True)
def test_the_migration_hashes_the_tokens_stored_in_clear(settings):
    """Back to the schema with clear tokens, a row stored the old way, forward again: the row keeps
    its evaluation and state, holds the keyed hash only, and its link still answers."""
    before = [("procurement", "0009_contract_supplier_signature")]
    after = [("procurement", "0011_survey_token_drop_clear")]
    award, officer, _winner, _others = published_award()
    evaluation = evaluation_open(actor=officer, contract=active_contract(award, officer))
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    OldToken = old_apps.get_model("procurement", "SurveyToken")
    OldToken.objects.create(evaluation_id=evaluation.pk, token="clear-token-of-the-old-days-0001", used=False)
    OldToken.objects.create(evaluation_id=evaluation.pk, token="clear-token-of-the-old-days-0002", used=True)
    MigrationExecutor(connection).migrate(after)
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        rows = list(SurveyToken.objects.order_by("pk"))
        assert [(r.evaluation_id, r.used) for r in rows] == [(evaluation.pk, False), (evaluation.pk, True)]
        assert [r.token_hash for r in rows] == [
            survey_token_digest("clear-token-of-the-old-days-0001"),
            survey_token_digest("clear-token-of-the-old-days-0002"),
        ]
        assert not [v for v in _stored_values() if "clear-token-of-the-old-days" in v]
        assert survey_token_state("clear-token-of-the-old-days-0001") == (rows[0], "")
        assert survey_token_state("clear-token-of-the-old-days-0002")[0] == rows[1]  # used
    finally:
        SurveyToken.objects.all().delete()
