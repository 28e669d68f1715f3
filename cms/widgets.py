"""Admin widgets of the site's pages (imported lazily: Draftail needs the app registry ready)."""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from wagtail.admin.rich_text import DraftailRichTextArea


class LabelledDraftailRichTextArea(DraftailRichTextArea):
    """Draftail whose editable area is named by its field's label: Wagtail's editor leaves the
    `role="textbox"` area without an accessible name (axe: aria-input-field-name), so a screen
    reader announces an unnamed text box. Wagtail's field label has the id `<field id>-label`."""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        field_id = context["widget"]["attrs"].get("id")
        if field_id:
            options = {**self.options, "ariaLabelledBy": f"{field_id}-label"}
            context["widget"]["attrs"]["data-w-init-detail-value"] = json.dumps(
                options, cls=DjangoJSONEncoder
            )
        return context
