"""The form renderer (settings.FORM_RENDERER): Django's template renderer, except that a <select>
whose options use Django's own option template is written in Python.

Django draws every option of a select through two template includes (the option and its
attributes); a list page's filter form with its districts, departments, categories and years spends
more time there than in its rows. The markup written here is the templates' markup, byte for byte
(tests/core/test_form_renderer.py compares the two on every kind of select the site uses); a select
with a custom option template still goes through the templates."""

from __future__ import annotations

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, SafeString

SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _text(value) -> str:
    # {{ value }}: localized, then escaped
    return conditional_escape(localize(value))


def _formatted(value) -> str:
    # {{ value|stringformat:'s' }}: the filter keeps a safe string safe
    text = "%s" % (value,)  # noqa: UP031 (the filter's own formatting)
    return text if isinstance(value, SafeData) else conditional_escape(text)


def _attrs(attrs: dict) -> str:
    # django/forms/widgets/attrs.html: False leaves the attribute out, True writes it bare
    return "".join(
        f" {_text(name)}" if value is True else f' {_text(name)}="{_formatted(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def render_select(widget: dict) -> SafeString:
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in options:
            parts.append(
                f'\n  <option value="{_formatted(option["value"])}"'
                f"{_attrs(option['attrs'])}>{_text(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return SafeString("".join(parts))


def _plain(widget: dict) -> bool:
    return all(
        option.get("template_name") == OPTION_TEMPLATE
        for _name, options, _index in widget.get("optgroups", ())
        for option in options
    )


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        widget = context.get("widget") if template_name == SELECT_TEMPLATE else None
        if widget is not None and _plain(widget):
            return render_select(widget)
        return super().render(template_name, context, request)
