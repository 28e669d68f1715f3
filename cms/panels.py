"""Admin panels of the site's pages."""

from __future__ import annotations

from wagtail.admin.panels import FieldPanel


class RichTextPanel(FieldPanel):
    """A rich text field whose Draftail editing area is named by the field's label
    (`cms.widgets.LabelledDraftailRichTextArea`, loaded when the form is built)."""

    def get_form_options(self):
        from cms.widgets import LabelledDraftailRichTextArea

        options = super().get_form_options()
        options.setdefault("widgets", {})[self.field_name] = LabelledDraftailRichTextArea
        return options
