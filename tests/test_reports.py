"""客户投诉工作月报 print / export: the same figures in HTML, PDF, CSV and XLSX."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from runtime import reports
from runtime.compiler import pipeline
from runtime.compiler.model import Form
from runtime.store.pages import CaseCounts, MonthlyReport
from runtime.store.postgres.testing import in_ci

NOW = datetime(2026, 12, 1, 9, 30)


@pytest.fixture(scope="module")
def form() -> Form:
    return pipeline.compiled().views[None].forms["complaint-register"]


def _report() -> MonthlyReport:
    return MonthlyReport(
        month=date(2026, 11, 1), total=5, complaints=4, suggestions=1, closed=3, on_time=4,
        breached=1, by_day={3: 2, 17: 3}, by_channel=Counter({"phone": 3, "letter": 2}),
        by_responsibility=Counter({"service": 4, "odd-value": 1}),
        by_validity=Counter({"valid": 5}), callbacks_due=3, callbacks_done=2, rated=2,
        satisfied=2)


def _doc(form: Form, title: str = "桃源村管理处", lang: str = "zh") -> reports.ReportDocument:
    cases = [("桃源村", "客户投诉处理", CaseCounts(None, "complaint-handling", 5, 2, 1, 1, 3))]
    return reports.monthly_document(_report(), property_title=title, form=form, cases=cases,
                                    lang=lang, now=NOW)


def test_document_has_figures_breakdowns_with_labels_and_every_day(form: Form) -> None:
    doc = _doc(form)
    assert doc.period == "2026-11" and doc.file_stem == "客户投诉工作月报-2026-11"
    tables = {tb.title: tb for tb in doc.tables}
    figures = {row[0]: row[1:] for row in tables["主要指标"].rows}
    assert figures["受理件数"] == ("5", "")
    assert figures["投诉处理率"] == ("60%", "3 / 5")
    assert figures["回访完成率"] == ("66.7%", "2 / 3")
    assert figures["满意率"] == ("100%", "2 / 2")
    channel = {row[0]: row[1:] for row in tables["按投诉方式"].rows}
    assert channel == {"电话": ("3", "60%"), "信函": ("2", "40%")}  # form labels, not values
    resp = [row[0] for row in tables["按责任区分"].rows]
    assert resp == ["属于服务质量问题", "odd-value"]  # an unknown stored value still counts
    days = tables["每日受理"].rows
    assert len(days) == 30 and days[2] == ("2026-11-03", "2") and days[0][1] == "0"
    assert tables["按管理处与作业规程 (当前)"].rows == (
        ("桃源村", "客户投诉处理", "2", "1", "1", "3"),)


def test_empty_month_prints_dashes_not_errors(form: Form) -> None:
    doc = reports.monthly_document(MonthlyReport(month=date(2026, 2, 1)),
                                   property_title="x", form=None, now=NOW)
    figures = {row[0]: row[1] for row in doc.tables[0].rows}
    assert figures["投诉处理率"] == "—" and figures["受理件数"] == "0"
    assert len(doc.tables[-1].rows) == 28
    assert reports.render_pdf(doc).startswith(b"%PDF")
    assert reports.xlsx_bytes(doc) and reports.csv_bytes(doc)


def test_english_report(form: Form) -> None:
    doc = _doc(form, lang="en")
    assert doc.title == "Monthly complaint report"
    assert "Phone" in {row[0] for tb in doc.tables for row in tb.rows}


def test_html_print_view_escapes_and_shows_every_table(form: Form) -> None:
    doc = _doc(form, title="<script>alert(1)</script>管理处")
    page = reports.render_html(doc)
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "default-src 'none'" in page  # the print view runs no script, loads nothing
    for tb in doc.tables:
        assert tb.title.replace("(", "").split()[0] in page
    assert "66.7%" in page and "2026-11-17" in page


def test_csv_reads_back_with_bom_and_defused_formulas(form: Form) -> None:
    data = reports.csv_bytes(_doc(form, title="=HYPERLINK(\"http://x\")"))
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["客户投诉工作月报"]
    assert ["投诉处理率", "60%", "3 / 5"] in rows
    assert ["2026-11-17", "3"] in rows
    assert rows[1] == ["管理处", "月份", "打印时间"]
    assert rows[2] == ["'=HYPERLINK(\"http://x\")", "2026-11", "2026-12-01 09:30"]


def test_xlsx_has_a_sheet_per_table_with_numbers(form: Form) -> None:
    wb = load_workbook(io.BytesIO(reports.xlsx_bytes(_doc(form))))
    assert wb.sheetnames[:3] == ["客户投诉工作月报", "主要指标", "按责任区分"]
    figures = wb["主要指标"]
    assert [c.value for c in figures[1]] == ["项目", "数值", "计算"]
    assert figures["B2"].value == 5  # a count stays a number: it sums in the sheet
    assert figures["B6"].value == "60%"
    per_day = wb["每日受理"]
    assert per_day.max_row == 31 and per_day["B4"].value == 2


def test_pdf_text_has_the_figures(form: Form, tmp_path: Path) -> None:
    tool = shutil.which("pdftotext")
    if tool is None:
        if in_ci():
            pytest.fail("CI must read the report PDF, but pdftotext (poppler-utils) is missing",
                        pytrace=False)
        pytest.skip("pdftotext (poppler-utils) not installed")
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(reports.render_pdf(_doc(form)))
    text = subprocess.run([tool, "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    compact = re.sub(r"\s+", "", text)
    for piece in ("桃源村管理处", "客户投诉工作月报", "月份:2026-11", "投诉处理率60%3/5",
                  "回访完成率66.7%2/3", "电话360%", "2026-11-173", "填报人", "管理处主任审阅",
                  "打印时间:2026-12-0109:30", "第1页"):
        assert piece in compact, piece
