"""`{% load supervision_lights %}`: the supervision lights' tags (procurement.supervision.lighttags),
for the pages of rooms that may not import supervision."""

from procurement.supervision.lighttags import register  # noqa: F401
