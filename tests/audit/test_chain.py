import datetime as dt
import hashlib
import hmac
import json
import logging
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

import audit
from audit import selectors, services
from audit.models import Event
from audit.tasks import write_audit_anchor
from tests.factories import UserFactory


def verify(**kwargs):
    """The chain's own checks; that a log without a readable anchor fails is pinned on its own."""
    kwargs.setdefault("require_anchor", False)
    return selectors.verify_chain(**kwargs)


pytestmark = pytest.mark.django_db


def record_events(n: int, actor=None) -> list[Event]:
    return [
        audit.record(
            actor=actor,
            action=f"test.step{i}",
            object_type="tests.thing",
            object_id=i,
            before={"state": "old", "n": i},
            after={"state": "new", "n": i},
        )
        for i in range(1, n + 1)
    ]


def test_record_appends_a_linear_chain_that_verifies():
    user = UserFactory()
    events = record_events(3, actor=user)
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_mac == ""
    assert events[1].prev_mac == events[0].mac
    assert events[2].prev_mac == events[1].mac
    assert events[0].actor == user and events[0].actor_label == str(user)
    result = verify()
    assert result.ok, result.problem
    assert (result.count, result.last_seq, result.last_mac) == (3, 3, events[2].mac)


def test_record_keeps_the_services_signature():
    user = UserFactory()
    event = audit.record(actor=user, action="staff.update", target=user, before={"a": 1}, after={"a": 2})
    assert (event.object_type, event.object_id, event.object_label) == (
        "accounts.user",
        str(user.pk),
        str(user),
    )
    system = audit.record(actor=None, action="role.grant", object_type="x.y", object_id=7)
    assert (system.actor_id, system.actor_label, system.object_id) == (None, "system", "7")


def test_the_mac_is_an_hmac_with_the_configured_key(settings):
    event = record_events(1)[0]
    expected = hmac.new(
        settings.AUDIT_MAC_KEY.encode(), b"\n" + services.canonical(event), hashlib.sha256
    ).hexdigest()
    assert event.mac == expected
    assert services.compute_mac(event, b"another key") != event.mac


def test_summaries_verify_after_the_database_round_trip():
    """Decimals, dates, unicode, floats and big numbers come back from either database so that the
    recomputed MAC still matches."""
    audit.record(
        actor=None,
        action="test.types",
        before={"amount": Decimal("12.50"), "day": dt.date(2026, 1, 2), "名称": "社工站", "ratio": 0.1},
        after={"big": 1e20, "int": 10**20, "nested": {"b": [1, 2.5, None, True], "a": ""}, "one": 1.0},
    )
    event = Event.objects.get()
    assert event.before["amount"] == "12.50" and event.before["day"] == "2026-01-02"
    assert verify().ok


def test_a_rolled_back_record_leaves_no_gap():
    record_events(1)
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(actor=None, action="test.rolled_back")
        raise RuntimeError("the service failed after recording")
    record_events(1)
    assert list(Event.objects.values_list("seq", flat=True)) == [1, 2]
    assert verify().ok


def test_seq_is_unique_so_the_chain_cannot_fork(tamper):
    first = record_events(1)[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        tamper(
            "INSERT INTO audit_event (seq, occurred_at, actor_label, action, object_type, object_id,"
            " object_label, before, after, request_id, prev_mac, mac)"
            " VALUES (%s, %s, '', 'x', '', '', '', '{}', '{}', '', '', %s)",
            [1, first.occurred_at, "0" * 64],
        )


# --- tampering is detected -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("action", "test.innocent"),
        ("actor_label", "someone else"),
        ("object_id", "99"),
        ("before", '{"state": "forged", "n": 2}'),
        ("after", '{"state": "new", "n": 3}'),
        ("occurred_at", "2020-01-01 00:00:00+00:00"),
        ("ip_address", "10.0.0.1"),
        ("request_id", "abc"),
    ],
)
def test_an_edited_column_is_detected_and_named(tamper, column, value):
    record_events(3)
    assert verify().ok
    tamper(f"UPDATE audit_event SET {column} = %s WHERE seq = 2", [value])
    result = verify()
    assert not result.ok
    assert (result.problem.seq, result.problem.kind) == (2, selectors.EDITED)
    assert "seq 2" in result.problem.message and "edited" in result.problem.message
    assert result.count == 1


def test_an_edited_actor_is_detected(tamper):
    record_events(2, actor=UserFactory())
    other = UserFactory()
    tamper("UPDATE audit_event SET actor_id = %s WHERE seq = 1", [other.pk])
    problem = verify().problem
    assert (problem.seq, problem.kind) == (1, selectors.EDITED)


def test_an_edited_row_with_a_recomputed_mac_without_the_key_is_detected(tamper):
    events = record_events(3)
    edited = Event.objects.get(seq=2)
    edited.action = "test.innocent"
    guessed_mac = services.compute_mac(edited, b"the attacker does not have the key")
    tamper("UPDATE audit_event SET action = %s, mac = %s WHERE seq = 2", ["test.innocent", guessed_mac])
    problem = verify().problem
    assert (problem.seq, problem.kind) == (2, selectors.FORGED)
    assert events[2].prev_mac != guessed_mac


def test_a_deleted_middle_row_is_detected(tamper):
    record_events(4)
    tamper("DELETE FROM audit_event WHERE seq = 2")
    result = verify()
    assert (result.problem.seq, result.problem.kind) == (2, selectors.MISSING)
    assert "seq 2 missing" in result.problem.message


def test_deleted_first_rows_are_detected(tamper):
    record_events(3)
    tamper("DELETE FROM audit_event WHERE seq <= 2")
    problem = verify().problem
    assert (problem.seq, problem.kind) == (1, selectors.MISSING)
    assert "seq 1..2 missing" in problem.message


def test_a_deleted_last_row_is_detected_against_the_anchor(tamper, _anchor_file_in_tmp):
    record_events(3)
    anchor = services.write_anchor()
    assert (anchor["seq"], anchor["mac"]) == (3, Event.objects.get(seq=3).mac)
    tamper("DELETE FROM audit_event WHERE seq = 3")
    # The chain alone still looks whole (without an anchor it only fails for lack of one): that is
    # what the anchor is for.
    assert verify(anchor_file=_anchor_file_in_tmp.parent / "none.log").ok
    result = verify()
    assert (result.problem.seq, result.problem.kind) == (3, selectors.TRUNCATED)
    assert "ends at seq 2" in result.problem.message and "records seq 3" in result.problem.message


def test_a_wholly_deleted_log_is_detected_against_the_anchor(tamper):
    record_events(2)
    services.write_anchor()
    tamper("DELETE FROM audit_event")
    problem = verify().problem
    assert (problem.seq, problem.kind) == (1, selectors.TRUNCATED)


def test_a_rewritten_tail_is_detected_against_the_anchor(tamper):
    """Deleting the newest row and recording a replacement gives a valid chain, but not the
    anchored one."""
    record_events(3)
    services.write_anchor()
    tamper("DELETE FROM audit_event WHERE seq = 3")
    audit.record(actor=None, action="test.replacement")
    problem = verify().problem
    assert (problem.seq, problem.kind) == (3, selectors.REWRITTEN)


def test_rows_recorded_after_the_anchor_verify():
    record_events(2)
    services.write_anchor()
    record_events(2)
    result = verify()
    assert result.ok and result.count == 4 and result.anchors == 1


@pytest.mark.parametrize("forged_mac", ["0" * 64, "other-key"])
def test_a_forged_row_is_detected(tamper, forged_mac):
    events = record_events(2)
    forged = Event(
        seq=3,
        occurred_at=events[-1].occurred_at,
        actor_label="system",
        action="staff.create",
        object_type="accounts.user",
        object_id="1",
        before={},
        after={"username": "backdoor"},
        prev_mac=events[-1].mac,
    )
    mac = services.compute_mac(forged, b"another key") if forged_mac == "other-key" else forged_mac
    tamper(
        "INSERT INTO audit_event (seq, occurred_at, actor_label, action, object_type, object_id,"
        " object_label, before, after, request_id, prev_mac, mac)"
        " VALUES (3, %s, 'system', 'staff.create', 'accounts.user', '1', '', '{}', %s, '', %s, %s)",
        [forged.occurred_at, json.dumps(forged.after), forged.prev_mac, mac],
    )
    result = verify()
    assert (result.problem.seq, result.problem.kind) == (3, selectors.FORGED)
    assert result.count == 2


def test_a_row_replaced_with_a_valid_mac_for_another_predecessor_is_detected(tamper, settings):
    """Even a key holder who re-MACs a row must keep the chain: a row that does not follow its
    predecessor is named."""
    record_events(3)
    row = Event.objects.get(seq=2)
    row.prev_mac = "f" * 64
    tamper(
        "UPDATE audit_event SET prev_mac = %s, mac = %s WHERE seq = 2",
        [row.prev_mac, services.compute_mac(row)],
    )
    problem = verify().problem
    assert (problem.seq, problem.kind) == (2, selectors.RELINKED)


def test_verification_streams_in_chunks():
    record_events(7)
    result = verify(chunk_size=2)
    assert result.ok and result.count == 7


def test_verify_requires_the_key(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.AUDIT_MAC_KEY = ""
    with pytest.raises(ImproperlyConfigured):
        audit.record(actor=None, action="test.nokey")


# --- anchors -----------------------------------------------------------------------------------------
def test_write_anchor_logs_and_appends_the_newest_mac(caplog, _anchor_file_in_tmp):
    events = record_events(2)
    with caplog.at_level(logging.INFO, logger="audit.anchor"):
        write_audit_anchor()
        audit.record(actor=None, action="test.more")
        write_audit_anchor()
    lines = [json.loads(line) for line in _anchor_file_in_tmp.read_text().splitlines()]
    assert (lines[0]["seq"], lines[0]["mac"]) == (2, events[-1].mac)
    assert lines[1]["seq"] == 3
    assert any(events[-1].mac in r.getMessage() for r in caplog.records if r.name == "audit.anchor")


def test_write_anchor_on_an_empty_log_writes_nothing(_anchor_file_in_tmp):
    assert services.write_anchor() is None
    assert not _anchor_file_in_tmp.exists()


def test_unreadable_anchor_lines_are_reported_not_fatal(_anchor_file_in_tmp):
    record_events(1)
    services.write_anchor()
    with _anchor_file_in_tmp.open("a") as fh:
        fh.write("garbage\n")
    result = verify()
    assert result.ok and result.bad_anchor_lines == 1 and result.warnings


# --- anchors in several places; a log without anchors fails ------------------------------------------
def test_a_log_with_events_and_no_readable_anchor_fails(_anchor_file_in_tmp):
    record_events(2)
    result = selectors.verify_chain()
    assert (result.ok, result.problem.kind, result.problem.seq) == (False, selectors.UNANCHORED, 2)
    assert str(_anchor_file_in_tmp) in result.problem.message
    _anchor_file_in_tmp.write_text("not json\n")
    assert selectors.verify_chain().problem.kind == selectors.UNANCHORED
    services.write_anchor()
    assert selectors.verify_chain().ok


def test_an_empty_log_without_anchors_verifies():
    assert selectors.verify_chain().ok


def test_anchors_go_to_every_mirror_and_any_one_of_them_suffices(settings, tmp_path, tamper):
    mirror = tmp_path / "elsewhere" / "anchors.log"
    settings.AUDIT_ANCHOR_MIRRORS = [mirror]
    record_events(3)
    services.write_anchor()
    assert json.loads(mirror.read_text())["seq"] == 3
    assert settings.AUDIT_ANCHOR_FILE.read_text() == mirror.read_text()
    # The local file is wiped along with the tail: the mirror still shows the truncation.
    settings.AUDIT_ANCHOR_FILE.unlink()
    tamper("DELETE FROM audit_event WHERE seq = 3")
    result = selectors.verify_chain()
    assert (result.problem.kind, result.problem.seq) == (selectors.TRUNCATED, 3)


def test_anchor_places_that_disagree_fail(settings, tmp_path):
    mirror = tmp_path / "mirror.log"
    settings.AUDIT_ANCHOR_MIRRORS = [mirror]
    record_events(2)
    services.write_anchor()
    forged = json.loads(mirror.read_text())
    forged["mac"] = "0" * 64
    mirror.write_text(json.dumps(forged) + "\n")
    result = selectors.verify_chain()
    assert (result.problem.kind, result.problem.seq) == (selectors.DISAGREE, 2)


def test_an_unwritable_mirror_is_logged_and_the_others_are_written(settings, tmp_path, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    settings.AUDIT_ANCHOR_MIRRORS = [blocker / "cannot" / "be.log"]
    record_events(1)
    with caplog.at_level(logging.ERROR, logger="audit.anchor"):
        assert services.write_anchor()["seq"] == 1
    assert "could not be written" in caplog.text
    assert settings.AUDIT_ANCHOR_FILE.read_text().count("\n") == 1
    settings.AUDIT_ANCHOR_FILE = blocker / "also" / "not.log"
    with pytest.raises(OSError):
        services.write_anchor()


def test_the_anchor_default_interval_is_one_minute():
    from django.conf import settings as live

    assert live.CELERY_BEAT_SCHEDULE["audit-anchor"]["schedule"] == 60
