"""Celery tasks of `cms`. Each calls one idempotent service."""

from celery import shared_task

from cms import ocds_bulk, opendata_files


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


@shared_task(acks_late=True, time_limit=7200, soft_time_limit=6900, name="cms.opendata_files")
def generate_opendata_files() -> dict:
    """Nightly: the open-data hub's yearly files, CSV and Excel, of every dataset and year (a new
    generation replaces the last; running it twice only writes the same data again)."""
    generation = opendata_files.generate()
    return {
        "files": len(generation.files),
        "bytes": sum(found.size for found in generation.files),
        "stamp": generation.stamp,
        "generated_at": generation.generated_at,
    }
