"""The certificate as a PDF, with an embedded TrueType CJK font (reportlab subsets and embeds it, so
the text is extractable and prints the same everywhere)."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.pdf import register_cjk_font
from volunteers import rules

FONT_NAME = "CertificateCJK"
TABLE_FONT_SIZE = 10
# Date, service, project, hours: 170 mm, the A4 width inside the margins. The hours column takes its
# Chinese heading "时长（小时）" on one line (tests/volunteers/test_certificate_pdf.py).
COLUMN_WIDTHS = (26 * mm, 58 * mm, 58 * mm, 28 * mm)
CELL_PADDING = 6  # points, left and right together (reportlab's default 3 + 3)


def table_headings() -> list[str]:
    return [_("Date"), _("Service"), _("Project"), _("Hours")]


def _register_font() -> str:
    return register_cjk_font(path=rules.certificate_font_path(), name=FONT_NAME)


def certificate_pdf(certificate) -> bytes:
    font = _register_font()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=_("Volunteer service record certificate"),
    )
    title = ParagraphStyle("title", fontName=font, fontSize=20, leading=28, alignment=1)
    body = ParagraphStyle("body", fontName=font, fontSize=11, leading=18)
    cell = ParagraphStyle("cell", fontName=font, fontSize=TABLE_FONT_SIZE, leading=14)
    small = ParagraphStyle("small", fontName=font, fontSize=9, leading=14, textColor=colors.grey)
    story = [
        Paragraph(_("Volunteer service record certificate"), title),
        Spacer(1, 6 * mm),
        Paragraph(f"{_('Certificate number')}：{escape(certificate.number)}", body),
        Paragraph(f"{pgettext('person', 'Name')}：{escape(certificate.real_name)}", body),
        Paragraph(f"{_('ID number')}：{escape(certificate.id_masked)}", body),
        Paragraph(f"{_('Volunteer number')}：{escape(certificate.volunteer_number)}", body),
        Spacer(1, 4 * mm),
    ]
    rows = [table_headings()]
    rows += [
        [e["date"], Paragraph(escape(e["need"]), cell), Paragraph(escape(e["project"]), cell), e["hours"]]
        for e in certificate.entries
    ]
    rows.append(["", "", _("Total verified hours"), str(certificate.total_hours)])
    table = Table(rows, colWidths=list(COLUMN_WIDTHS), repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), TABLE_FONT_SIZE),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story += [
        table,
        Spacer(1, 6 * mm),
        Paragraph(f"{_('Issued by')}：{escape(certificate.issuer_name)}", body),
        Paragraph(f"{_('Responsible person')}：{escape(certificate.responsible_person)}", body),
        Paragraph(f"{_('Contact phone')}：{escape(certificate.contact_phone or '-')}", body),
        Paragraph(f"{_('Date of issue')}：{certificate.issued_on.isoformat()}", body),
        Spacer(1, 6 * mm),
        Paragraph(
            _("Anyone can check this certificate by its number on the platform's public verification page."),
            small,
        ),
    ]
    doc.build(story)
    return buffer.getvalue()
