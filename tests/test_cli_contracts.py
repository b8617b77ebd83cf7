"""The command-line contracts of issues 2, 4, 5, 7 and 8, checked through `runtime.cli.main`.

Each test runs a command exactly as its issue specifies it, on the shipped handbook and on
broken input, and asserts the contract: exit code, stream, line format, JSON keys.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from runtime.cli import main
from runtime.compiler.pipeline import load
from runtime.forms.samples import valid_sample

ROOT = Path(__file__).resolve().parent.parent
# `path:line:col: CODE message (key.path)`; the key path is left out when an error has none.
CHECK_LINE = re.compile(r"^(?P<path>[^\s:][^:]*):(?P<line>\d+):(?P<col>\d+): "
                        r"(?P<code>[EW]\d{3}) (?P<message>.+?)(?: \((?P<key>[^()]+)\))?$")
STATS_KEYS = {"roles", "duties", "procedures", "steps", "clocks", "schedules", "schedule_items",
              "forms", "fields", "properties", "training_items"}
PROPERTIES = sorted(load().properties)
Capsys = pytest.CaptureFixture[str]


@pytest.fixture(autouse=True)
def _own_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Nothing a contract test runs may write into the project's data/.
    monkeypatch.setenv("HANDBOOK_DATA", str(tmp_path / "data"))


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the shipped rules/ and forms/ to change or break."""
    root = tmp_path / "tree"
    shutil.copytree(ROOT / "rules", root / "rules")
    shutil.copytree(ROOT / "forms", root / "forms")
    return root


def run(argv: list[str], capsys: Capsys) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of one `handbook` command run in-process."""
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _tree_args(root: Path) -> list[str]:
    return ["--rules", str(root / "rules"), "--forms", str(root / "forms")]


# ---- issue 2: handbook check / handbook stats ---------------------------------------------


@pytest.mark.parametrize("extra", [[], *(["--property", p] for p in PROPERTIES)],
                         ids=lambda a: a[1] if a else "company")
def test_check_shipped_exits_0_with_one_summary_line(extra: list[str], capsys: Capsys) -> None:
    # A day with the holiday schedule known (W091 warns from November without next year's).
    code, out, err = run(["check", "--today", "2026-06-01", *extra], capsys)
    assert code == 0, out + err
    assert len(out.splitlines()) == 1 and out.startswith("ok: ")


def test_check_json_on_shipped(capsys: Capsys) -> None:
    code, out, _ = run(["check", "--format", "json", "--today", "2026-06-01"], capsys)
    data = json.loads(out)
    assert code == 0 and data["ok"] is True and data["errors"] == []


def _break(root: Path) -> dict[str, str]:
    """Break a copied tree three ways; returns the file (relative to the tree) → code expected."""
    role = root / "rules/company/roles/front-desk.yaml"
    role.write_text(role.read_text(encoding="utf-8") + "dup: 1\ndup: 2\n", encoding="utf-8")
    (root / "rules/company/tagged.yaml").write_text("x: !!python/object/apply:os.system [ls]\n",
                                                    encoding="utf-8")
    (root / "rules/company/syntax.yaml").write_text("kind: role\nid: [\n", encoding="utf-8")
    return {"rules/company/roles/front-desk.yaml": "E002", "rules/company/tagged.yaml": "E003",
            "rules/company/syntax.yaml": "E001"}


def test_check_broken_tree_exits_1_one_line_per_problem(tree: Path, capsys: Capsys) -> None:
    expected = _break(tree)
    code, out, err = run(["check", *_tree_args(tree)], capsys)
    assert code == 1
    lines = out.splitlines()
    parsed = [CHECK_LINE.match(line) for line in lines]
    assert all(parsed), [ln for ln, m in zip(lines, parsed, strict=True) if not m]
    found = {(m["path"], m["code"]) for m in parsed if m}
    assert set(expected.items()) <= found
    # The count summary goes to stderr, so stdout holds nothing but problem lines.
    assert re.match(r"^\d+ error\(s\), \d+ warning\(s\) in \d+ file\(s\)$", err.strip())


def test_check_broken_tree_json(tree: Path, capsys: Capsys) -> None:
    expected = _break(tree)
    code, out, _ = run(["check", *_tree_args(tree), "--format", "json"], capsys)
    data = json.loads(out)
    assert code == 1 and data["ok"] is False
    assert set(expected.items()) <= {(e["file"], e["code"]) for e in data["errors"]}
    assert all({"file", "line", "col", "code", "message", "path"} <= e.keys()
               for e in data["errors"])


@pytest.mark.parametrize("argv", [["check", "--property", "no-such-property"],
                                  ["check", "--rules", "/no/such/dir"]])
def test_check_bad_arguments_exit_1_with_a_problem_line(argv: list[str], capsys: Capsys) -> None:
    code, out, _ = run(argv, capsys)
    assert code == 1
    assert out.strip() and all(CHECK_LINE.match(line) for line in out.splitlines())


def test_check_rejects_unknown_format(capsys: Capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["check", "--format", "xml"])
    assert exc.value.code == 2


def test_stats_json_has_exactly_the_keys(capsys: Capsys) -> None:
    code, out, _ = run(["stats", "--json"], capsys)
    data = json.loads(out)
    assert code == 0 and set(data) == STATS_KEYS
    assert all(isinstance(v, int) and v > 0 for v in data.values())
    _, summary, _ = run(["check"], capsys)  # the same counts as check's summary line
    assert f"{data['properties']} properties, {data['roles']} roles, " \
           f"{data['procedures']} procedures, {data['forms']} forms" in summary


def test_stats_text_lists_every_key(capsys: Capsys) -> None:
    code, out, _ = run(["stats"], capsys)
    assert code == 0
    assert {line.split(":")[0].strip() for line in out.splitlines()} == STATS_KEYS


# ---- issue 4: form validate / render / export / bench store -------------------------------

FORM = "complaint-register"


def _json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """A valid complaint-register record as a JSON file."""
    return _json(tmp_path / "ok.json", valid_sample(load().forms[FORM]))


def test_form_validate_valid_exits_0_silently(sample: Path, capsys: Capsys) -> None:
    assert run(["form", "validate", FORM, str(sample)], capsys) == (0, "", "")


@pytest.mark.parametrize("content", ["{}", "[1, 2]", "not json", "{\"content\": 5}"],
                         ids=["empty", "array", "not-json", "wrong-type"])
def test_form_validate_invalid_exits_1_one_line_per_field(tmp_path: Path, content: str,
                                                          capsys: Capsys) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    code, out, _ = run(["form", "validate", FORM, str(path)], capsys)
    fields = {f.name for f in _spec_fields()} | {"_form"}
    lines = out.splitlines()
    assert code == 1 and lines
    assert all(re.match(r"^[\w.\[\]]+: \S", line) for line in lines), lines
    assert {line.split(":")[0].split(".")[0].split("[")[0] for line in lines} <= fields
    assert len({line.split(":")[0] for line in lines}) == len(lines)  # one line per field


def _spec_fields() -> list[Any]:
    from runtime.forms import form_spec

    return list(form_spec(load().forms[FORM]).fields)


@pytest.mark.parametrize("form_id, file", [("no-such-form", "ok"), (FORM, "missing")])
def test_form_validate_unknown_form_or_file_exits_2(tmp_path: Path, sample: Path, form_id: str,
                                                   file: str, capsys: Capsys) -> None:
    path = sample if file == "ok" else tmp_path / "missing.json"
    code, out, err = run(["form", "validate", form_id, str(path)], capsys)
    assert code == 2 and out == "" and err.startswith("error: ")


@pytest.mark.parametrize("suffix, magic", [(".html", b"<!DOCTYPE html"), (".pdf", b"%PDF-")])
@pytest.mark.parametrize("filled", [False, True], ids=["blank", "filled"])
def test_render(tmp_path: Path, sample: Path, suffix: str, magic: bytes, filled: bool,
                capsys: Capsys) -> None:
    out_file = tmp_path / f"form{suffix}"
    data = ["--data", str(sample)] if filled else []
    code, out, _ = run(["render", FORM, *data, "--out", str(out_file)], capsys)
    assert code == 0 and out.strip() == str(out_file)
    assert out_file.read_bytes()[:64].lstrip().upper().startswith(magic.upper())
    if suffix == ".html" and filled:
        complainant = json.loads(sample.read_text(encoding="utf-8"))["complainant"]
        assert complainant in out_file.read_text(encoding="utf-8")


@pytest.mark.parametrize("argv", [["render", FORM, "--out", "x.txt"],
                                  ["render", "no-such-form", "--out", "x.html"],
                                  ["render", FORM, "--data", "missing.json", "--out", "x.html"]],
                         ids=["bad-suffix", "unknown-form", "missing-data"])
def test_render_bad_input_exits_2(tmp_path: Path, argv: list[str], capsys: Capsys,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(argv, capsys)
    assert code == 2 and err.startswith("error: ")
    assert not list(tmp_path.glob("x.*"))


def _records_jsonl(tmp_path: Path, sample: Path) -> Path:
    rec = {"form_id": FORM, "number": "TS-1", "created_at": "2026-03-02T09:00:00",
           "created_by": "前台小李", "data": json.loads(sample.read_text(encoding="utf-8"))}
    path = tmp_path / "records.jsonl"
    path.write_text(json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def test_export_csv_has_bom_chinese_headers_and_the_record(tmp_path: Path, sample: Path,
                                                           capsys: Capsys) -> None:
    out_file = tmp_path / "out.csv"
    records = _records_jsonl(tmp_path, sample)
    code, out, _ = run(["export", FORM, "--format", "csv", "--out", str(out_file),
                        "--records", str(records)], capsys)
    assert code == 0 and out.strip() == f"{out_file}: 1 record(s)"
    raw = out_file.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 2 and any(re.search(r"[\u4e00-\u9fff]", h) for h in rows[0])
    assert json.loads(sample.read_text(encoding="utf-8"))["complainant"] in rows[1]


def test_export_xlsx_without_a_store_writes_headers(tmp_path: Path, capsys: Capsys) -> None:
    from openpyxl import load_workbook

    out_file = tmp_path / "out.xlsx"
    code, out, err = run(["export", FORM, "--format", "xlsx", "--out", str(out_file),
                          "--data-dir", str(tmp_path / "empty")], capsys)
    assert code == 0 and out.strip() == f"{out_file}: 0 record(s)" and "no store" in err
    sheet = load_workbook(out_file).active
    assert sheet is not None and sheet.max_row == 1 and sheet.cell(1, 1).value


def test_export_rejects_other_formats(tmp_path: Path, capsys: Capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["export", FORM, "--format", "pdf", "--out", str(tmp_path / "x.pdf")])
    assert exc.value.code == 2


def test_bench_store_prints_one_json_line(capsys: Capsys) -> None:
    code, out, _ = run(["bench", "store", "--records", "300", "--json"], capsys)
    assert code == 0 and len(out.splitlines()) == 1
    data = json.loads(out)
    keys = ("insert_ms", "sqlite_insert_ms", "insert_ratio", "query_ms", "sqlite_query_ms",
            "query_ratio")
    assert all(isinstance(data[k], (int, float)) and data[k] >= 0 for k in keys)
    assert data["insert_ratio"] == pytest.approx(data["insert_ms"] / data["sqlite_insert_ms"],
                                                 rel=0.05, abs=0.01)


# ---- issue 5: scenario / bench clocks ---------------------------------------------------

SCENARIO = """\
name: contract test
property: taoyuan-village
timeline:
  - at: 2026-03-02 09:00
    start: complaint-handling
    as: {{user: 前台小李, role: front-desk}}
    data:
      received_at: "2026-03-02T09:00:00"
      channel: phone
      complainant: 王先生
      unit: 3-1-502
      kind: complaint
      content: 楼道灯不亮
  - at: 2026-03-02 09:05
    complete: receive
    expect: {{step: {step}}}
"""


@pytest.mark.parametrize("step, code", [("classify", 0), ("close", 1)])
def test_scenario_exit_code_follows_expectations(tmp_path: Path, step: str, code: int,
                                                 capsys: Capsys) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO.format(step=step), encoding="utf-8")
    got, out, _ = run(["scenario", str(path)], capsys)
    assert got == code
    status = "ok" if code == 0 else "1 FAILED"
    assert out.splitlines()[-1] == f"{path}: 1 check(s), {status}"
    assert ("✗" in out) == bool(code)


def test_scenario_shipped_with_property(capsys: Capsys) -> None:
    path = ROOT / "tests/scenarios/complaint-000-service.yaml"
    code, out, _ = run(["scenario", str(path), "--property", "taoyuan-village"], capsys)
    assert code == 0 and out.splitlines()[-1].endswith(", ok")


@pytest.mark.parametrize("content", [None, "timeline: [\n", "name: x\nbogus: 1\n"],
                         ids=["missing", "bad-yaml", "unknown-key"])
def test_scenario_malformed_file_exits_2(tmp_path: Path, content: str | None,
                                         capsys: Capsys) -> None:
    path = tmp_path / "s.yaml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    code, _, err = run(["scenario", str(path)], capsys)
    assert code == 2 and err.strip()


def test_bench_clocks_prints_one_json_line(capsys: Capsys) -> None:
    code, out, _ = run(["bench", "clocks", "--cases", "50", "--json"], capsys)
    assert code == 0 and len(out.splitlines()) == 1
    data = json.loads(out)
    assert data["cases"] == 50 and isinstance(data["ms"], (int, float)) and data["ms"] >= 0


# ---- issue 7: versions / diff / publish --------------------------------------------------


def _data(tmp_path: Path) -> list[str]:
    return ["--data", str(tmp_path / "vdata")]


def _versions(tmp_path: Path, capsys: Capsys) -> list[dict[str, object]]:
    code, out, _ = run(["versions", *_data(tmp_path), "--json"], capsys)
    assert code == 0
    return list(json.loads(out))


def _shorten_callback(root: Path, bump: bool) -> None:
    proc = root / "rules/company/procedures/complaint-handling.yaml"
    text = proc.read_text(encoding="utf-8")
    assert "delay: 7d" in text
    text = text.replace("delay: 7d", "delay: 3d", 1)
    if bump:
        old = re.search(r"^version: (\d+)\.(\d+)\.(\d+)$", text, re.M)
        assert old
        text = text.replace(old[0], f"version: {old[1]}.{old[2]}.{int(old[3]) + 1}", 1)
    proc.write_text(text, encoding="utf-8")


def test_versions_lists_the_shipped_version(tmp_path: Path, capsys: Capsys) -> None:
    code, out, _ = run(["versions", *_data(tmp_path)], capsys)
    assert code == 0 and re.match(r"^\*\s+1\s", out)
    assert [(v["number"], v["current"]) for v in _versions(tmp_path, capsys)] == [(1, True)]


def test_publish_refuses_an_unbumped_change_and_keeps_the_live_version(
        tmp_path: Path, tree: Path, capsys: Capsys) -> None:
    _shorten_callback(tree, bump=False)
    code, out, err = run(["publish", *_data(tmp_path), "--message", "回访改为3天",
                          *_tree_args(tree)], capsys)
    assert code == 1
    matches = [CHECK_LINE.match(line) for line in out.splitlines()]
    assert matches and all(matches) and {m["code"] for m in matches if m} == {"E090"}
    assert "refused" in err and "version 1 stays live" in err
    assert [v["number"] for v in _versions(tmp_path, capsys)] == [1]


def test_publish_refuses_an_invalid_tree(tmp_path: Path, tree: Path, capsys: Capsys) -> None:
    _break(tree)
    code, out, _ = run(["publish", *_data(tmp_path), "--message", "x", *_tree_args(tree)],
                       capsys)
    assert code == 1 and all(CHECK_LINE.match(line) for line in out.splitlines())
    assert [v["number"] for v in _versions(tmp_path, capsys)] == [1]


def test_publish_then_diff_in_one_plain_sentence(tmp_path: Path, tree: Path,
                                                 capsys: Capsys) -> None:
    _shorten_callback(tree, bump=True)
    code, out, _ = run(["publish", *_data(tmp_path), "--message", "回访改为3天", "--by", "admin",
                        *_tree_args(tree)], capsys)
    assert code == 0 and out.startswith("published version 2 ")
    assert [(v["number"], v["current"]) for v in _versions(tmp_path, capsys)] == \
        [(1, False), (2, True)]
    code, out, _ = run(["diff", "1", "2", "--plain", *_data(tmp_path)], capsys)
    assert code == 0
    assert len(out.splitlines()) == 1 and "7天" in out and "3天" in out
    code, out, _ = run(["diff", "1", "2", *_data(tmp_path)], capsys)  # + the raw YAML diff
    assert code == 0 and "-    delay: 7d" in out and "+    delay: 3d" in out


def test_diff_unknown_version_exits_2(tmp_path: Path, capsys: Capsys) -> None:
    code, _, err = run(["diff", "1", "99", *_data(tmp_path)], capsys)
    assert code == 2 and "99" in err


def test_publish_requires_a_message(tmp_path: Path, capsys: Capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["publish", *_data(tmp_path)])
    assert exc.value.code == 2


# ---- issue 8: import -------------------------------------------------------------------

CALENDAR = ("客服中心工作行程\n"
            "每周五下午2点半 部门工作例会 客服主管\n"
            "每月25日前 提交月度报表 客服主管\n")


def test_import_writes_drafts_that_pass_check(tmp_path: Path, capsys: Capsys) -> None:
    src = tmp_path / "行程.txt"
    src.write_text(CALENDAR, encoding="utf-8")
    out_dir = tmp_path / "drafts"
    code, out, _ = run(["import", str(src), "--kind", "schedule", "--property",
                        "taoyuan-village", "--out", str(out_dir)], capsys)
    assert code == 0, out
    assert "2 schedule item(s)" in out and "check: ok" in out
    written = sorted(out_dir.rglob("*.yaml"))
    assert written and all(f"wrote {p}" in out for p in written)


def test_import_default_out_is_under_the_data_dir(tmp_path: Path, capsys: Capsys) -> None:
    src = tmp_path / "行程.txt"
    src.write_text(CALENDAR, encoding="utf-8")
    code, _, _ = run(["import", str(src)], capsys)
    assert code == 0
    assert list((tmp_path / "data" / "imports" / "行程").rglob("*.yaml"))


@pytest.mark.parametrize("argv", [["--property", "no-such-property"], []],
                         ids=["unknown-property", "missing-file"])
def test_import_bad_input_exits_2(tmp_path: Path, argv: list[str], capsys: Capsys) -> None:
    src = tmp_path / ("行程.txt" if argv else "missing.txt")
    if argv:
        src.write_text(CALENDAR, encoding="utf-8")
    code, out, err = run(["import", str(src), *argv, "--out", str(tmp_path / "d")], capsys)
    assert code == 2 and err.startswith("handbook import: ") and out == ""
    assert not (tmp_path / "d").exists()


def test_import_reports_unplaced_text_with_positions(tmp_path: Path, capsys: Capsys) -> None:
    src = tmp_path / "行程.txt"
    src.write_text(CALENDAR + "这一行没有时间也没有岗位\n", encoding="utf-8")
    code, out, _ = run(["import", str(src), "--kind", "schedule", "--dry-run"], capsys)
    assert code == 0
    assert re.search(rf"^{re.escape(str(src))}:4:1: unplaced \(.+\), \d+ chars: 这一行", out, re.M)


# ---- process level: streams and exit codes as a shell sees them ---------------------------


def _cli(*argv: str) -> list[str]:
    return [sys.executable, "-m", "runtime.cli", *argv]


def test_process_check_broken_tree(tree: Path) -> None:
    _break(tree)
    proc = subprocess.run(_cli("check", *_tree_args(tree)), capture_output=True, text=True,
                          cwd=ROOT, check=False)
    assert proc.returncode == 1
    assert proc.stdout and all(CHECK_LINE.match(line) for line in proc.stdout.splitlines())
    assert "error(s)" in proc.stderr and "Traceback" not in proc.stderr


@pytest.fixture
def closed_pipe_run(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A command with a lot of output whose reader stops after the first line."""
    env = dict(os.environ, HANDBOOK_DATA=str(tmp_path / "data"), PYTHONWARNINGS="ignore")
    proc = subprocess.Popen(_cli("schedule", "run", "--from", "2026-01-01", "--to",
                                 "2026-12-31", "--dry-run"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, env=env)
    yield proc
    proc.kill()
    proc.wait()


def test_process_closed_pipe_is_not_a_crash(closed_pipe_run: subprocess.Popen[bytes]) -> None:
    assert closed_pipe_run.stdout is not None and closed_pipe_run.stderr is not None
    assert closed_pipe_run.stdout.readline()  # like `handbook ... | head -1`
    closed_pipe_run.stdout.close()
    err = closed_pipe_run.stderr.read().decode("utf-8", "replace")
    assert closed_pipe_run.wait() == 141
    assert "Traceback" not in err
