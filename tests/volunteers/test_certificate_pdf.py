"""The certificate PDF as the volunteer sees it (issue 12, journey (c)): every column heading of the
hours table fits its column in Chinese (the hours heading "时长（小时）" used to cross the table's
border), and the holder's name is labelled 姓名."""

import io

import pytest
from django.utils import translation
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from tests.volunteers.helpers import served
from volunteers import pdf
from volunteers.services.certificates import certificate_issue

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_heading_of_the_hours_table_fits_its_column(language):
    font = pdf._register_font()
    with translation.override(language):
        headings = pdf.table_headings()
    for heading, width in zip(headings, pdf.COLUMN_WIDTHS, strict=True):
        assert stringWidth(heading, font, pdf.TABLE_FONT_SIZE) + pdf.CELL_PADDING <= width, heading


def test_the_table_fills_the_page_inside_its_margins():
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm

    assert abs(sum(pdf.COLUMN_WIDTHS) - (A4[0] - 40 * mm)) < 0.01


def test_the_holder_s_name_is_labelled_xingming():
    need, volunteer, _record, _organizer = served()
    certificate = certificate_issue(
        actor=volunteer.user, volunteer=volunteer, department=need.project.department
    )
    with translation.override("zh-hans"):
        text = PdfReader(io.BytesIO(pdf.certificate_pdf(certificate))).pages[0].extract_text()
    assert f"姓名：{volunteer.real_name}" in text.replace(" ", "")
    assert "名称" not in text
