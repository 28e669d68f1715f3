"""The sealer registry of the audit log (audit.sealing), with a sealer of the test's own: what
`audit.record()` stores for a sealed action, that the chain covers the sealed columns, and that
`present()` fails closed. The tendering sealer is tested in tests/procurement/tendering/
test_sealed_audit.py."""

from __future__ import annotations

import base64

import pytest

import audit
from audit import sealing
from audit.models import Event
from audit.selectors import EDITED, verify_chain
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

KEY = b"test-pseudonym-key"


class Box(sealing.Sealer):
    """Seals into base64 (a stand-in for encryption); reveals to viewers in `allowed`."""

    scope_prefix = "tests.box:"

    def __init__(self):
        self.allowed = set()
        self.sealed = []

    def seal(self, pending):
        self.sealed.append(pending)
        return sealing.Seal(
            scope="tests.box:1",
            pseudonym=sealing.pseudonym_code(KEY, "tests.box:1", "user", getattr(pending.actor, "pk", None)),
            before={},
            after={"kept": pending.after.get("kept")},
            identity=base64.b64encode(sealing.identity_payload(pending)).decode(),
        )

    def present(self, events, viewer):
        shown = {}
        for event in events:
            if viewer is not None and viewer.pk in self.allowed:
                identity = sealing.Identity.from_payload(base64.b64decode(event.sealed_identity))
                shown[event.pk] = sealing.Shown.from_identity(event, identity)
        return shown


@pytest.fixture
def box():
    sealer = Box()
    sealing.register_sealer(["tests.sealed", "tests.prefix."], sealer)
    yield sealer
    sealing.unregister_sealer(["tests.sealed", "tests.prefix."])


def test_a_sealed_action_is_written_with_a_pseudonym_and_its_identity_sealed(box, rf):
    actor = UserFactory(username="who-acted")
    request = rf.get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_REQUEST_ID="req-1")
    event = audit.record(
        actor=actor,
        action="tests.sealed",
        object_type="tests.thing",
        object_id=1,
        before={"was": 1},
        after={"kept": "yes", "organization": 7},
        request=request,
    )
    event = Event.objects.get(pk=event.pk)
    assert event.actor_id is None and event.ip_address is None and event.request_id == ""
    code = sealing.pseudonym_code(KEY, "tests.box:1", "user", actor.pk)
    assert event.actor_label == sealing.PSEUDONYM_PREFIX + code
    assert event.before == {} and event.after == {"kept": "yes"}
    assert event.sealed_scope == "tests.box:1" and "who-acted" not in event.actor_label
    assert box.sealed[0].ip_address == "203.0.113.9" and box.sealed[0].request_id == "req-1"
    assert verify_chain(require_anchor=False).ok
    # nobody in particular: masked, with the code
    [masked] = sealing.present([event])
    assert masked.shown.sealed and code in masked.shown.actor and masked.shown.ip_address is None
    assert masked.get_actor_label_display() == masked.shown.actor
    # an allowed viewer reads the identity
    viewer = UserFactory()
    box.allowed.add(viewer.pk)
    [revealed] = sealing.present([Event.objects.get(pk=event.pk)], viewer)
    assert revealed.shown.revealed and revealed.shown.actor == str(actor)
    assert revealed.shown.after == {"kept": "yes", "organization": 7} and revealed.shown.before == {"was": 1}
    assert revealed.shown.ip_address == "203.0.113.9" and revealed.shown.request_id == "req-1"


def test_a_prefix_seals_every_action_under_it(box):
    audit.record(actor=None, action="tests.prefix.anything", object_type="tests.thing", object_id=1)
    assert Event.objects.get().sealed_scope == "tests.box:1"
    assert sealing.sealer_for("tests.prefixed") is None


def test_the_chain_covers_the_sealed_columns(box, tamper):
    audit.record(actor=None, action="tests.sealed", object_type="tests.thing", object_id=1)
    audit.record(actor=None, action="tests.other", object_type="tests.thing", object_id=2)
    tamper("UPDATE audit_event SET sealed_identity = %s WHERE seq = 1", ["forged"])
    result = verify_chain(require_anchor=False)
    assert result.problem is not None and result.problem.kind == EDITED and result.problem.seq == 1


def test_unsealed_rows_chain_as_before(box):
    """A row of an action with no sealer has NULL sealed columns, and its MAC ignores them."""
    event = audit.record(actor=None, action="tests.other", object_type="tests.thing", object_id=1)
    assert event.sealed_scope is None and event.sealed_identity is None
    assert b"sealed_" not in audit.services.canonical(event)
    assert verify_chain(require_anchor=False).ok


def test_present_fails_closed(box):
    audit.record(actor=UserFactory(), action="tests.sealed", object_type="tests.thing", object_id=1)
    event = Event.objects.get()
    # the sealer no longer registered for the action: still masked, found by its scope
    sealing.unregister_sealer("tests.sealed")
    [shown] = sealing.present([event], None)
    assert shown.shown.sealed
    # no sealer at all for its scope: masked too
    sealing.unregister_sealer("tests.prefix.")
    [shown] = sealing.present([Event.objects.get()], None)
    assert shown.shown.sealed and shown.shown.actor == sealing.sealed_actor_label(
        event.actor_label.removeprefix(sealing.PSEUDONYM_PREFIX)
    )


def test_a_sealer_that_refuses_refuses_the_write(box):
    def refuse(pending):
        raise ValueError("no scope")

    box.seal = refuse
    with pytest.raises(ValueError):
        audit.record(actor=None, action="tests.sealed", object_type="tests.thing", object_id=1)
    assert not Event.objects.exists()
