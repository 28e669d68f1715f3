"""`{% latest_ocds_bulk as bulk %}`: the latest OCDS bulk file (`cms.ocds_bulk.BulkFile`: generation
time, sizes, number of releases) for the open-data hub, or None before the first generation."""

import logging

from django import template

from cms import ocds_bulk

register = template.Library()
logger = logging.getLogger(__name__)


@register.simple_tag
def latest_ocds_bulk():
    try:
        return ocds_bulk.latest()
    except Exception:  # storage unreachable (S3): the hub still renders, without the link
        logger.exception("OCDS bulk file: the storage could not be read")
        return None
