"""The append-only, chained event log. `audit.record(...)` is the one way to write it."""


def record(**kwargs):
    """Append an event; see `audit.services.record` for the arguments."""
    from audit.services import record as _record

    return _record(**kwargs)
