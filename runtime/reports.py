"""客户投诉工作月报 as a document: print view (HTML), PDF, CSV and XLSX from one model.

The figures come from the store's monthly report (`Repository.monthly_report`) and, when
given, the dashboard's per-procedure counts; choice values (channel, responsibility,
validity) are shown with the labels of the complaint form. Every output is built from the
same `ReportDocument`, so the paper, the PDF and the spreadsheet never disagree.
"""

from __future__ import annotations

import calendar
import functools
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from runtime import export, printing
from runtime.compiler.model import Form
from runtime.forms.defaults import local_now
from runtime.forms.spec import form_spec
from runtime.i18n import t
from runtime.store.pages import CaseCounts, MonthlyReport

REPORT_TEMPLATE = "_report.html.j2"


@dataclass(frozen=True)
class ReportTable:
    """One titled table of the report."""

    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class ReportDocument:
    """What the report prints: who, which month, the tables, when printed."""

    property_title: str
    title: str
    period: str
    printed_at: str
    lang: str
    tables: tuple[ReportTable, ...]
    labels: Mapping[str, str]

    @property
    def file_stem(self) -> str:
        """A file name without extension: 客户投诉工作月报-2026-12."""
        return f"{self.title}-{self.period}".replace("/", "-").replace(" ", "")


def choice_labels(form: Form | None, field: str, counts: Mapping[str, int],
                  lang: str = "zh") -> dict[str, int]:
    """Counts keyed by the form's choice labels (the stored values when the form has none)."""
    spec = form_spec(form).field(field) if form is not None else None
    if spec is None:
        return {str(k): int(v) for k, v in counts.items()}
    out: dict[str, int] = {}
    for value, n in counts.items():
        label = spec.option_label(value, lang)
        out[label] = out.get(label, 0) + int(n)
    return out


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:g}%"


def _tr(lang: str, key: str, **values: Any) -> str:
    return t(f"report.{key}", lang, **values)


def _counts_table(title: str, head: str, counts: Mapping[str, int], lang: str
                  ) -> ReportTable:
    total = sum(counts.values())
    rows = [(label, str(n), _pct(round(100.0 * n / total, 1) if total else None))
            for label, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return ReportTable(title, (head, _tr(lang, "col.count"), _tr(lang, "col.share")),
                       tuple(rows))


def monthly_document(rep: MonthlyReport, *, property_title: str, form: Form | None = None,
                     cases: Sequence[tuple[str, str, CaseCounts]] = (), lang: str = "zh",
                     now: datetime | None = None) -> ReportDocument:
    """The month's report: figures, breakdowns by responsibility / channel / validity, cases
    per day, and (when given) the per-property-and-procedure counts as (property title,
    procedure title, counts)."""
    tr = functools.partial(_tr, lang)
    figures = ReportTable(tr("figures"), (tr("col.item"), tr("col.value"), tr("col.note")), (
        (tr("received"), str(rep.total), ""),
        (tr("complaints"), str(rep.complaints), ""),
        (tr("suggestions"), str(rep.suggestions), ""),
        (tr("closed"), str(rep.closed), ""),
        (tr("handling_rate"), _pct(rep.handling_rate), f"{rep.closed} / {rep.total}"),
        (tr("on_time_rate"), _pct(rep.on_time_rate), f"{rep.on_time} / {rep.total}"),
        (tr("breached"), str(rep.breached), ""),
        (tr("callback_rate"), _pct(rep.callback_rate),
         f"{rep.callbacks_done} / {rep.callbacks_due}"),
        (tr("satisfaction"), _pct(rep.satisfaction_rate), f"{rep.satisfied} / {rep.rated}"),
    ))
    tables = [figures]
    for field, key in (("responsibility", "by_responsibility"), ("channel", "by_channel"),
                       ("validity", "by_validity")):
        counts = choice_labels(form, field, getattr(rep, key), lang)
        if counts:
            tables.append(_counts_table(tr(key), tr(f"col.{field}"), counts, lang))
    days = calendar.monthrange(rep.month.year, rep.month.month)[1]
    tables.append(ReportTable(tr("per_day"), (tr("col.date"), tr("col.count")), tuple(
        (f"{rep.month.year}-{rep.month.month:02d}-{d:02d}", str(rep.by_day.get(d, 0)))
        for d in range(1, days + 1))))
    if cases:
        tables.append(ReportTable(tr("by_procedure"), (
            tr("col.property"), tr("col.procedure"), tr("col.open"), tr("col.overdue"),
            tr("col.breached"), tr("col.closed")), tuple(
            (prop, proc, str(c.open), str(c.overdue), str(c.breached), str(c.closed))
            for prop, proc, c in cases)))
    at = now or local_now()
    return ReportDocument(
        property_title=property_title, title=tr("title"),
        period=f"{rep.month.year}-{rep.month.month:02d}",
        printed_at=at.strftime("%Y-%m-%d %H:%M"), lang=lang, tables=tuple(tables),
        labels={k: tr(k) for k in ("property", "period", "printed_at", "prepared_by", "reviewed_by",
                                   "date")})


def _export_tables(doc: ReportDocument) -> list[tuple[str, tuple[str, ...],
                                                      tuple[tuple[str, ...], ...]]]:
    head = ReportTable(doc.title, (doc.labels["property"], doc.labels["period"],
                                   doc.labels["printed_at"]),
                       ((doc.property_title, doc.period, doc.printed_at),))
    return [(tb.title, tb.headers, tb.rows) for tb in (head, *doc.tables)]


def render_html(doc: ReportDocument) -> str:
    """The A4 print view (the browser's print dialog makes paper or PDF of it)."""
    return printing.render_template(REPORT_TEMPLATE, {"doc": doc, "lang": doc.lang})


def csv_bytes(doc: ReportDocument) -> bytes:
    """The report's tables in one CSV (UTF-8 with BOM, opens in Excel with Chinese intact)."""
    return export.tables_csv_bytes(_export_tables(doc))


def xlsx_bytes(doc: ReportDocument) -> bytes:
    """The report as a workbook: a first sheet naming the month, then a sheet per table."""
    return export.tables_xlsx_bytes(_export_tables(doc), doc.lang)


def render_pdf(doc: ReportDocument) -> bytes:
    """The report as A4 PDF (reportlab; Chinese in the built-in STSong-Light font)."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        KeepTogether,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    font = printing.pdf_font()
    base = ParagraphStyle("base", fontName=font, fontSize=9.5, leading=13, wordWrap="CJK")
    styles = {
        "base": base,
        "title": ParagraphStyle("title", parent=base, fontSize=16, leading=22,
                                alignment=TA_CENTER),
        "property": ParagraphStyle("property", parent=base, fontSize=11, leading=15,
                                   alignment=TA_CENTER),
        "h2": ParagraphStyle("h2", parent=base, fontSize=11.5, leading=16, spaceBefore=6,
                             spaceAfter=3),
    }

    def p(text: str, style: str = "base") -> Paragraph:
        return Paragraph(printing.pdf_markup(text), styles[style])

    width = A4[0] - 24 * mm
    story: list[Any] = [p(doc.property_title, "property"), p(doc.title, "title"),
                        p(f"{doc.labels['period']}: {doc.period}"), Spacer(1, 3 * mm)]
    for tb in doc.tables:
        cols = max(len(tb.headers), 1)
        first = width * (0.4 if cols == 3 else 1.0 / cols)
        widths = [first] + [(width - first) / (cols - 1)] * (cols - 1) if cols > 1 else [width]
        data = [[p(h) for h in tb.headers]] + [[p(c) for c in row] for row in tb.rows]
        table = Table(data, colWidths=widths, repeatRows=1)
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f2f2")),
        ]))
        # A short table stays with its heading; a long one (per day) may break across pages.
        block = [p(tb.title, "h2"), table]
        story.extend([KeepTogether(block)] if len(tb.rows) < 15 else block)
    story.append(Spacer(1, 8 * mm))
    sign = Table([[p(f"{doc.labels['prepared_by']}: ____________  {doc.labels['date']}: "
                     "__________"),
                   p(f"{doc.labels['reviewed_by']}: ____________  {doc.labels['date']}: "
                     "__________")]], colWidths=[width / 2] * 2)
    story.append(sign)

    def decorate(canvas: Any, pdf: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.drawString(12 * mm, 9 * mm,
                          printing.pdf_text(f"{doc.labels['printed_at']}: {doc.printed_at}"))
        canvas.drawRightString(A4[0] - 12 * mm, 9 * mm, printing.pdf_text(
            _tr(doc.lang, "page", page=canvas.getPageNumber())))
        canvas.restoreState()

    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, leftMargin=12 * mm, rightMargin=12 * mm,
                      topMargin=14 * mm, bottomMargin=16 * mm,
                      title=printing.pdf_text(f"{doc.title} {doc.period}"),
                      author=printing.pdf_text(doc.property_title), creator="Handbook",
                      ).build(story, onFirstPage=decorate, onLaterPages=decorate)
    return out.getvalue()


__all__ = ["ReportDocument", "ReportTable", "choice_labels", "csv_bytes", "monthly_document",
           "render_html", "render_pdf", "xlsx_bytes"]
