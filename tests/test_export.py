"""CSV (UTF-8 with BOM) and XLSX export with Chinese headers; formulas never run."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from runtime.export import XLSX_CELL_LIMIT, csv_bytes, table, write_csv, write_xlsx, xlsx_bytes
from runtime.forms.samples import valid_sample
from runtime.store import open_memory_store
from runtime.store.records import create_record, list_records, void_record
from tests.forms.shipped import KITCHEN_SINK, get, ids, make_form, shipped

SINK = make_form(KITCHEN_SINK)


def rec(data: dict[str, Any], number: str = "TT-2026-000001", **extra: Any) -> dict[str, Any]:
    return {"number": number, "created_at": "2026-03-16T09:30:05", "created_by": "王小明",
            "status": "open", "data": data, **extra}


def sample() -> dict[str, Any]:
    data = valid_sample(SINK)
    data.update(tags=["urgent", "vip"], category="power", subcategory="outage",
                involved=[{"name": "张三", "role": "owner"},
                          {"name": "李四", "role": "visitor", "note": "送快递"}],
                urgent=True, urgent_reason="停电")
    return data


def test_headers_are_chinese_and_in_form_order() -> None:
    headers, rows = table(SINK, [rec(sample())])
    assert headers[:4] == ["记录编号", "创建时间", "创建人", "状态"]
    assert headers[4:8] == ["报告人", "房号", "联系电话", "类别"]
    assert "地址 / 楼栋" in headers and "相关人员" in headers
    assert headers[-1] == "签收人"  # a field in no section still exports
    row = dict(zip(headers, rows[0], strict=True))
    assert row["记录编号"] == "TT-2026-000001"
    assert row["创建时间"] == "2026-03-16 09:30:05"
    assert row["状态"] == "办理中"
    assert row["类别"] == "电" and row["细类"] == "停电"
    assert row["标签"] == "加急、重点"
    assert row["紧急"] == "是"
    assert row["相关人员"] == "1. 姓名: 张三；身份: 业主\n2. 姓名: 李四；身份: 访客；备注: 送快递"


def test_english_headers() -> None:
    headers, _ = table(SINK, [], "en")
    assert headers[:5] == ["Record number", "Created at", "Created by", "Status", "Reporter"]


def test_csv_has_bom_and_round_trips(tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    assert write_csv(SINK, [rec(sample()), rec({}, "TT-2026-000002")], out) == 2
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][0] == "记录编号" and len(rows) == 3
    assert rows[1][-1] == sample()["signed_by"]
    assert "\n" in rows[1][rows[0].index("相关人员")]  # one line per row, in one cell
    assert csv_bytes(SINK, [rec(sample())]).startswith(b"\xef\xbb\xbf")


def test_xlsx_matches_the_table(tmp_path: Path) -> None:
    out = tmp_path / "x.xlsx"
    records = [rec(sample()), rec({"reporter": "乙"}, "TT-2026-000002", voided={"by": "a"})]
    assert write_xlsx(SINK, records, out) == 2
    ws = load_workbook(out).active
    assert ws is not None
    values = [[c if c is not None else "" for c in r] for r in ws.iter_rows(values_only=True)]
    headers, rows = table(SINK, records)
    assert values[0] == headers and values[1:] == rows
    assert rows[1][3] == "已作废"  # a voided record says so
    assert xlsx_bytes(SINK, records)[:2] == b"PK"


@pytest.mark.parametrize("text", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "=HYPERLINK(\"x\")"])
def test_formulas_stay_text(tmp_path: Path, text: str) -> None:
    records = [rec({"reporter": text, "people": -5})]
    data = csv_bytes(SINK, records).decode("utf-8-sig")
    row = list(csv.reader(io.StringIO(data)))[1]
    assert row[4] == "'" + text
    assert "-5" in row  # a plain negative number is not defused
    out = tmp_path / "f.xlsx"
    write_xlsx(SINK, records, out)
    ws = load_workbook(out).active
    assert ws is not None
    cell = ws.cell(row=2, column=5)
    assert cell.value == text and cell.data_type == "s"


def test_control_characters_and_huge_text_in_xlsx(tmp_path: Path) -> None:
    records = [rec({"reporter": "a\x00b\x1b", "detail": "长" * (XLSX_CELL_LIMIT + 10)})]
    out = tmp_path / "c.xlsx"
    write_xlsx(SINK, records, out)
    ws = load_workbook(out).active
    assert ws is not None
    assert ws.cell(row=2, column=5).value == "a␀b␛"
    detail = ws.cell(row=2, column=table(SINK, [])[0].index("详细情况") + 1).value
    assert isinstance(detail, str) and len(detail) == XLSX_CELL_LIMIT and "截断" in detail
    # The CSV keeps the text whole.
    assert "长" * (XLSX_CELL_LIMIT + 10) in csv_bytes(SINK, records).decode("utf-8-sig")


def test_store_records_export() -> None:
    store = open_memory_store()
    data = sample()
    first = create_record(store, form_id=SINK.id, form_version="2.3.4", ruleset_hash="h",
                          property="east", created_by="王小明", data=data,
                          number_prefix="TT", at="2026-03-16T09:30:00")
    create_record(store, form_id=SINK.id, form_version="2.3.4", ruleset_hash="h",
                  property="east", created_by="李四", data={"reporter": "乙"},
                  number_prefix="TT", at="2026-03-17T10:00:00")
    void_record(store, first.id, by="主管", reason="重复登记")
    records = list_records(store, form_id=SINK.id, include_voided=True)
    headers, rows = table(SINK, records)
    assert [r[0] for r in rows] == ["TT-2026-000001", "TT-2026-000002"]
    assert rows[0][3] == "已作废" and rows[1][2] == "李四"
    assert rows[0][headers.index("标签")] == "加急、重点"


@pytest.mark.parametrize(("pid", "fid"), shipped(), ids=ids())
def test_every_shipped_form_exports(pid: str | None, fid: str) -> None:
    _, form = get(pid, fid)
    records = [rec(valid_sample(form)), rec({})]
    headers, rows = table(form, records)
    assert len(headers) >= 5 and all(len(r) == len(headers) for r in rows)
    assert any(cell for cell in rows[0][4:])
    assert xlsx_bytes(form, records)[:2] == b"PK"
