"""Celery tasks of `cms`. Each calls one idempotent service."""

from celery import shared_task

from cms import ocds_bulk


@shared_task(acks_late=True, time_limit=3600, soft_time_limit=3300, name="cms.ocds_bulk")
def generate_ocds_bulk() -> dict:
    """Nightly: the OCDS bulk file of every published release (a new generation replaces the last;
    running it twice only writes the same data again)."""
    bulk = ocds_bulk.generate()
    if bulk is None:
        return {"releases": 0}
    return {
        "releases": bulk.releases,
        "processes": bulk.processes,
        "file": bulk.json_name,
        "bytes": bulk.json_size,
        "gzip_bytes": bulk.gzip_size,
    }
