"""core.form_renderer writes plain selects in Python: the markup must be the templates' markup."""

import datetime

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.test import Client
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override

from core.form_renderer import FormRenderer
from core.models import District
from orgs.filters import DirectoryFilter
from tests.factories import DistrictFactory

CHOICES = [
    ("", "---------"),
    (1, "一级 <A&B>"),
    ("x\"'", gettext_lazy("Purchasing plans")),
    (2024, 2024),
    (
        "分组 <g>",
        [("a", "甲"), (3.5, 1234567), (datetime.date(2026, 1, 2), "日期")],
    ),
    (mark_safe("<safe>"), mark_safe("<b>安全</b>")),
]


class Everything(forms.Form):
    plain = forms.ChoiceField(choices=CHOICES, required=False)
    attrs = forms.ChoiceField(
        choices=CHOICES,
        widget=forms.Select(
            attrs={"class": "a <b>", "data-x": 0, "disabled": True, "hidden": False, "n": None}
        ),
    )
    many = forms.MultipleChoiceField(choices=CHOICES, required=False)
    nullable = forms.NullBooleanField()
    radio = forms.ChoiceField(choices=[("a", "甲"), ("b", "乙")], widget=forms.RadioSelect)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(
    "data",
    [None, {"plain": "1", "attrs": "2024", "many": ["a", "3.5", "<safe>"], "nullable": "true"}],
)
def test_selects_are_written_as_the_templates_write_them(language, data):
    with override(language):
        for name in ("plain", "attrs", "many", "nullable", "radio"):
            ours = Everything(data, renderer=FormRenderer())[name].as_widget()
            django = Everything(data, renderer=DjangoTemplates())[name].as_widget()
            assert ours == django, name
            assert "<" in ours


@pytest.mark.django_db
def test_a_filter_form_is_written_the_same_and_is_the_sites_renderer(settings):
    DistrictFactory(code="320101", name="玄武区 <1>")
    assert settings.FORM_RENDERER == "core.form_renderer.FormRenderer"
    filterset = DirectoryFilter({"district": str(District.objects.first().pk)}, queryset=None)
    ours = str(filterset.form)
    filterset = DirectoryFilter({"district": str(District.objects.first().pk)}, queryset=None)
    filterset.form.renderer = DjangoTemplates()
    assert ours == str(filterset.form)
    assert "玄武区 &lt;1&gt;" in ours and " selected>" in ours


@pytest.mark.django_db
def test_the_directory_page_renders_its_filters(client: Client):
    DistrictFactory(code="320102", name="秦淮区")
    body = client.get("/orgs/").content.decode()
    assert '<select name="district"' in body and "秦淮区</option>" in body
