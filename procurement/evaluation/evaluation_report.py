"""The evaluation report (评审报告) in Chinese, as HTML and PDF, built once at finalization from
`report_content` (JSON-safe figures, also stored) and never rebuilt: the stored bytes and their
SHA-256 are the record."""

from __future__ import annotations

import hashlib
import io
from xml.sax.saxutils import escape

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.pdf import register_cjk_font
from procurement.evaluation.arithmetic import round2, ties


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _p(value) -> str:
    """Points shown with 2 decimals."""
    return "" if value is None else str(round2(value))


def report_content(data, results) -> dict:
    """Everything the report shows, JSON-safe (strings for Decimals)."""
    tender = data.tender
    criteria = data.scored_criteria
    members = data.members
    by_id = {b.pk: b for b in data.bids}
    rows = []
    for result in results:
        bid = by_id[result.id]
        scores = {}
        comments = {}
        for member in members:
            for criterion in criteria:
                score = data.score(member, bid, criterion)
                if score is not None:
                    scores.setdefault(str(member.pk), {})[str(criterion.pk)] = str(score.points)
                    if score.comment:
                        comments.setdefault(str(member.pk), {})[str(criterion.pk)] = score.comment
        review = data.reviews.get(bid.pk)
        rows.append(
            {
                "bid": bid.pk,
                "organization": bid.organization_id,
                "name": bid.organization.name,
                "price": str(bid.price),
                "responsive": result.responsive,
                "reason": result.nonresponsive_reason,
                "price_score": _p(result.price_score),
                "criteria": {str(k): _p(v) for k, v in result.criterion_means.items()},
                "non_price": _p(result.non_price) if result.responsive else "",
                "total": _p(result.total),
                "rank": result.rank,
                "tied": result.tied,
                "scores": scores,
                "comments": comments,
                "low_price_justification": review.low_price_justification if review else "",
                "justification_accepted": bool(review and review.justification_accepted),
            }
        )
    return {
        "tender": {"id": tender.pk, "reference": tender.reference, "title": tender.title},
        "lot": {"id": data.panel.lot_id, "number": data.panel.lot.number, "title": str(data.panel.lot)},
        "department": tender.department.name,
        "method": tender.method.name,
        "price_only": data.price_only,
        "price_points": str(data.price_criterion.max_points) if data.price_criterion else "",
        "criteria": [
            {"id": c.pk, "name": c.name, "max_points": str(c.max_points), "objective": c.is_objective}
            for c in criteria
        ],
        "members": [
            {
                "id": m.pk,
                "name": m.name,
                "kind": m.kind,
                "kind_label": str(m.get_kind_display()),
                "signed_at": timezone.localtime(m.signed_at).strftime("%Y-%m-%d %H:%M")
                if m.signed_at
                else "",
            }
            for m in members
        ],
        "bids": rows,
        "ties": ties(results),
        "finalized_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
    }


def _table_rows(content) -> dict:
    """Per member: rows of (bidder, [points per criterion]) for the templates and the PDF."""
    per_member = []
    for member in content["members"]:
        rows = []
        for bid in content["bids"]:
            if not bid["responsive"]:
                continue
            mine = bid["scores"].get(str(member["id"]), {})
            rows.append((bid["name"], [mine.get(str(c["id"]), "") for c in content["criteria"]]))
        per_member.append((member, rows))
    return per_member


def render_report_html(content: dict) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(
            "procurement/evaluation/report_evaluation.html",
            {"r": content, "per_member": _table_rows(content)},
        )


def render_report_pdf(content: dict) -> bytes:
    font = register_cjk_font()
    with translation.override(settings.LANGUAGE_CODE):
        buffer = io.BytesIO()
        doc = SimpleDocTemplate(
            buffer,
            pagesize=landscape(A4),
            leftMargin=15 * mm,
            rightMargin=15 * mm,
            topMargin=15 * mm,
            bottomMargin=15 * mm,
            title=_("Evaluation report"),
        )
        title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, alignment=1)
        heading = ParagraphStyle("heading", fontName=font, fontSize=12, leading=18, spaceBefore=6)
        body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13)

        def para(text):
            return Paragraph(escape(str(text)), body)

        def table(rows):
            t = Table(rows, repeatRows=1)
            t.setStyle(
                TableStyle(
                    [
                        ("FONTNAME", (0, 0), (-1, -1), font),
                        ("FONTSIZE", (0, 0), (-1, -1), 8),
                        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ]
                )
            )
            return t

        r = content
        story = [
            Paragraph(escape(_("Evaluation report")), title),
            Spacer(1, 4 * mm),
            para(f"{_('Project')}：{r['tender']['reference']} {r['tender']['title']}"),
            para(f"{_('Lot')}：{r['lot']['title']}"),
            para(f"{_('Purchasing unit')}：{r['department']}"),
            para(f"{_('Procurement method')}：{r['method']}"),
            para(f"{_('Finalized at')}：{r['finalized_at']}"),
            Paragraph(escape(_("Panel")), heading),
            table(
                [[_("Name"), _("Kind"), _("Signed at")]]
                + [[para(m["name"]), para(m["kind_label"]), m["signed_at"]] for m in r["members"]]
            ),
            Paragraph(escape(_("Ranking")), heading),
        ]
        header = [_("Rank"), _("Bidder"), _("Price (yuan)"), _("Price score")]
        header += [para(f"{c['name']}（{c['max_points']}）") for c in r["criteria"]]
        header += [_("Total")]
        rows = [header]
        for bid in r["bids"]:
            if not bid["responsive"]:
                continue
            rank = str(bid["rank"]) + ("*" if bid["tied"] else "")
            rows.append(
                [rank, para(bid["name"]), bid["price"], bid["price_score"]]
                + [bid["criteria"].get(str(c["id"]), "") for c in r["criteria"]]
                + [bid["total"]]
            )
        story.append(table(rows))
        if r["ties"]:
            story.append(para(_("* Tied: these bids are equal on total, price and non-price score.")))
        for member, member_rows in _table_rows(r):
            if not r["criteria"]:
                break
            story.append(Paragraph(escape(_("Scores of %(name)s") % {"name": member["name"]}), heading))
            story.append(
                table(
                    [[_("Bidder")] + [para(c["name"]) for c in r["criteria"]]]
                    + [[para(name), *values] for name, values in member_rows]
                )
            )
        rejected = [b for b in r["bids"] if not b["responsive"]]
        if rejected:
            story.append(Paragraph(escape(_("Non-responsive bids")), heading))
            story.append(
                table([[_("Bidder"), _("Reason")]] + [[para(b["name"]), para(b["reason"])] for b in rejected])
            )
        justified = [b for b in r["bids"] if b["low_price_justification"]]
        if justified:
            story.append(Paragraph(escape(_("Justifications of low prices")), heading))
            story.append(
                table(
                    [[_("Bidder"), _("Justification"), _("Accepted")]]
                    + [
                        [
                            para(b["name"]),
                            para(b["low_price_justification"]),
                            _("Yes") if b["justification_accepted"] else _("No"),
                        ]
                        for b in justified
                    ]
                )
            )
        story.append(Paragraph(escape(_("Signatures")), heading))
        story.append(
            para("；".join(f"{m['name']}（{_('signed at')} {m['signed_at']}）" for m in r["members"]))
        )
        doc.build(story)
        return buffer.getvalue()
