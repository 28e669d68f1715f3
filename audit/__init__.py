"""The append-only, chained event log. `audit.record(...)` is the one way to write it (`audit.record_many(...)`
for a sweep's many events at once)."""


def record(**kwargs):
    """Append an event; see `audit.services.record` for the arguments."""
    from audit.services import record as _record

    return _record(**kwargs)


def record_many(events, **kwargs):
    """Append many events in a fixed number of queries; see `audit.services.record_many`."""
    from audit.services import record_many as _record_many

    return _record_many(events, **kwargs)
