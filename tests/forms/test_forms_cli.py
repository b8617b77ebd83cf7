"""CLI contracts: `handbook form validate`, `handbook render`, `handbook export`."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from runtime.cli import main
from runtime.forms.samples import valid_sample
from runtime.store import open_store
from runtime.store.records import create_record
from tests.forms.shipped import get


def write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_validate_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, form = get(None, "complaint-register")
    assert main(["form", "validate", form.id, str(write(tmp_path / "ok.json",
                                                         valid_sample(form)))]) == 0
    assert capsys.readouterr().out == ""


def test_validate_lists_one_line_per_field(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    _, form = get(None, "complaint-register")
    data = valid_sample(form)
    del data["complainant"]
    data.update(phone="123", channel="fax")
    path = write(tmp_path / "bad.json", data)
    assert main(["form", "validate", form.id, str(path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert sorted(line.split(":")[0] for line in lines) == ["channel", "complainant", "phone"]
    assert "complainant: 请填写投诉人" in lines
    assert main(["form", "validate", form.id, str(path), "--lang", "en"]) == 1
    assert "complainant: 投诉人 is required" in capsys.readouterr().out.splitlines()


@pytest.mark.parametrize("content", ["not json", "[1, 2]", '"text"', "{" * 100_000])
def test_validate_bad_files_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                   content: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(content, encoding="utf-8")
    assert main(["form", "validate", "complaint-register", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 and out[0].startswith("_form: ")


def test_validate_unknown_form_or_file_exit_2(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["form", "validate", "no-such-form", str(write(tmp_path / "a.json", {}))]) == 2
    assert "unknown form" in capsys.readouterr().err
    assert main(["form", "validate", "complaint-register", str(tmp_path / "missing.json")]) == 2


@pytest.mark.parametrize("suffix", [".html", ".pdf"])
def test_render_blank_and_filled(tmp_path: Path, suffix: str) -> None:
    _, form = get(None, "complaint-register")
    blank = tmp_path / f"blank{suffix}"
    assert main(["render", form.id, "--out", str(blank)]) == 0
    data = valid_sample(form)
    data["complainant"] = "<script>x</script>"
    filled = tmp_path / f"filled{suffix}"
    rec = {"number": "TS-2026-000009", "data": data, "status": "open"}
    assert main(["render", form.id, "--data", str(write(tmp_path / "r.json", rec)),
                 "--out", str(filled), "--property", "taoyuan-village"]) == 0
    if suffix == ".pdf":
        assert blank.read_bytes().startswith(b"%PDF") and filled.read_bytes()[:4] == b"%PDF"
    else:
        page = filled.read_text(encoding="utf-8")
        assert "桃源村管理处" in page and "TS-2026-000009" in page
        assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>" not in page
        assert "____________" in blank.read_text(encoding="utf-8")


def test_render_plain_data_file_and_bad_out(tmp_path: Path) -> None:
    _, form = get(None, "callback-record")
    out = tmp_path / "c.html"
    data = write(tmp_path / "d.json", valid_sample(form))
    assert main(["render", form.id, "--data", str(data), "--out", str(out)]) == 0
    assert valid_sample(form)["opinion"] in out.read_text(encoding="utf-8")
    assert main(["render", form.id, "--out", str(tmp_path / "c.docx")]) == 2


def test_export_from_the_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, form = get(None, "complaint-register")
    store = open_store(tmp_path / "store")
    for i in range(3):
        data = valid_sample(form)
        data["complainant"] = f"住户{i}"
        create_record(store, form_id=form.id, form_version=form.meta.version,
                      ruleset_hash="h", property="taoyuan-village", created_by="王小明",
                      data=data, number_prefix=form.number_prefix)
    store.close()
    out = tmp_path / "e.csv"
    assert main(["export", form.id, "--format", "csv", "--out", str(out),
                 "--data-dir", str(tmp_path)]) == 0
    assert "3 record(s)" in capsys.readouterr().out
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert rows[0][:4] == ["记录编号", "创建时间", "创建人", "状态"]
    assert [r[rows[0].index("投诉人")] for r in rows[1:]] == ["住户0", "住户1", "住户2"]
    xlsx = tmp_path / "e.xlsx"
    assert main(["export", form.id, "--format", "xlsx", "--out", str(xlsx),
                 "--data-dir", str(tmp_path)]) == 0
    assert xlsx.read_bytes()[:2] == b"PK"


def test_export_from_jsonl_and_empty_store(tmp_path: Path) -> None:
    lines = [json.dumps({"number": "HF-1", "form_id": "callback-record",
                         "data": {"opinion": "好"}}, ensure_ascii=False),
             json.dumps({"number": "X-1", "form_id": "other", "data": {}})]
    src = tmp_path / "r.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "r.csv"
    assert main(["export", "callback-record", "--format", "csv", "--out", str(out),
                 "--records", str(src)]) == 0
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 2 and rows[1][0] == "HF-1"
    empty = tmp_path / "none.csv"
    assert main(["export", "callback-record", "--format", "csv", "--out", str(empty),
                 "--data-dir", str(tmp_path / "nothing")]) == 0
    assert len(empty.read_text(encoding="utf-8-sig").splitlines()) == 1


def test_export_includes_cases_whose_case_form_it_is(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from datetime import datetime

    import runtime
    from runtime.engine.service import Engine
    from runtime.engine.store_repo import StoreRepository

    hb, form = get(None, "complaint-register")
    procedures = [p.id for p in hb.procedures.values() if p.form == form.id]
    if not procedures:
        pytest.skip("no procedure uses the complaint register as its case form")
    store = open_store(tmp_path / "store")
    engine = Engine(StoreRepository(store), lambda p: runtime.load(property=p, strict=False))
    data = valid_sample(form)
    data["complainant"] = "个案住户"
    case = engine.start_case(procedures[0], "taoyuan-village", data,
                             datetime(2026, 3, 16, 9, 30), user="王小明")
    store.close()
    out = tmp_path / "cases.csv"
    assert main(["export", form.id, "--format", "csv", "--out", str(out),
                 "--data-dir", str(tmp_path)]) == 0
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == [case.number]
    assert rows[1][rows[0].index("投诉人")] == "个案住户"
    assert rows[1][2] == "王小明" and rows[1][3] == "办理中"
