"""The import corpus (benchmarks/import_corpus): every fragment exact, every draft passes check,
and one test per shape the importer recognises (issue 16)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from runtime.cli import main
from runtime.compiler.loader import load_text
from runtime.importer import ImportResult, preview, read_bytes, read_source, validate
from runtime.importer.bench import CORPUS, accounted, compare, run
from runtime.importer.normalise import find_noise, to_simplified

MANIFEST = yaml.safe_load((CORPUS / "manifest.yaml").read_text(encoding="utf-8"))["fragments"]


def _import(name: str) -> ImportResult:
    return preview(read_source(CORPUS / name), source=name)


def _draft(result: ImportResult, title: str, kind: str = "role") -> dict[str, Any]:
    doc = next(d for d in result.documents if d.kind == kind and d.title == title)
    data, error = load_text(result.drafts[f"{kind}s/{doc.id}.yaml"], "draft.yaml")
    assert error is None, error
    return dict(data)


def test_corpus_is_varied() -> None:
    files = [f["file"] for f in MANIFEST]
    assert len(files) >= 30 and len(set(files)) == len(files)
    assert {f["script"] for f in MANIFEST} == {"hans", "hant"}
    assert {Path(f).suffix for f in files} == {".txt", ".docx"}
    assert sum(1 for f in MANIFEST if f["script"] == "hant") >= 6
    seeds = Path(__file__).resolve().parents[2] / "docs" / "sources"
    for f in files:  # written for the corpus, not copied from the bundled seeds
        if f.endswith(".txt") and seeds.is_dir():
            text = (CORPUS / f).read_text(encoding="utf-8")
            for seed in seeds.rglob("*.md"):
                assert text[:40] not in seed.read_text(encoding="utf-8")


def test_committed_docx_match_their_build_script(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_docx", CORPUS / "build_docx.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for path in module.main(tmp_path):
        assert read_source(path) == read_source(CORPUS / path.name), path.name


@pytest.mark.parametrize("entry", MANIFEST, ids=[f["file"] for f in MANIFEST])
def test_fragment_is_exact_accounted_and_passes_check(entry: dict[str, Any]) -> None:
    result = _import(entry["file"])
    from runtime.importer import registry_for

    titles = {v: k for k, v in registry_for().tree_roles.items()}
    titles.update({d.id: d.title for d in result.documents if d.kind == "role"})
    assert compare(entry, result, titles) == []
    content, ok = accounted(result)
    assert ok == content  # every content character placed or reported
    assert [e.cli_line() for e in validate(result)] == []


def test_benchmark_meets_the_goal(capsys: pytest.CaptureFixture[str]) -> None:
    result = run()
    totals = result["totals"]
    assert totals["exact_share"] >= 0.95 and totals["accounted_share"] == 1.0
    assert totals["goal_met"] is True
    assert main(["bench", "import", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["totals"]["fragments"] == len(MANIFEST)
    assert {"file", "exact", "differences", "chars", "placed_or_reported"} <= set(
        printed["fragments"][0])


def test_benchmark_counts_a_wrong_manifest_as_not_exact(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("保洁员岗位职责\n1. 清扫。\n2. 清运垃圾。\n", encoding="utf-8")
    (tmp_path / "manifest.yaml").write_text(
        "fragments:\n  - {file: a.txt, script: hans, roles: [{title: 保洁员, duties: 3}]}\n",
        encoding="utf-8")
    result = run(tmp_path)
    assert result["totals"]["exact"] == 0 and result["totals"]["goal_met"] is False
    assert result["fragments"][0]["differences"] == ["保洁员.duties: 2, expected 3"]


# ---- one test per shape ------------------------------------------------------------------


def test_traditional_is_recognised_but_kept_as_written() -> None:
    result = _import("f01-hant-assistant.txt")
    draft = _draft(result, "物業客服中心助理")
    assert draft["title"] == "物業客服中心助理"
    assert draft["duties"][1]["text"].startswith("負責業戶投訴的受理")
    assert draft["id"] == "property-service-centre-assistant"  # ids from the Simplified words
    assert any("業戶投訴登記表" in d.title for d in result.documents if d.kind == "form")


def test_conversion_keeps_offsets() -> None:
    text = "物業客服中心助理職責"
    assert to_simplified(text) == "物业客服中心助理职责" and len(to_simplified(text)) == len(text)


@pytest.mark.parametrize(("name", "title", "labels"), [
    ("f04-gardener.txt", "绿化工", ["（1）", "（2）"]),
    ("f05-post-name.txt", "客服主管", ["①", "②"]),
    ("f08-articles.txt", "安全护卫员", ["第一条", "第二条"]),
    ("f09-alpha.txt", "维修工", ["a)", "b)"]),
    ("f02-office-tower.txt", "部门经理", ["1)", "2)"]),
    ("f19-role-document.txt", "客服主管", ["3.1", "3.2"]),
    ("f03-cleaner.txt", "保洁员", [None, None]),
])
def test_numbering_styles_keep_the_handbooks_label(name: str, title: str,
                                                   labels: list[str | None]) -> None:
    duties = _draft(_import(name), title)["duties"]
    assert [d.get("label") for d in duties[:2]] == labels
    assert [d["no"] for d in duties[:2]] == [1, 2]


def test_a_missing_number_stays_missing() -> None:
    result = _import("f10-gap.txt")
    duties = _draft(result, "客服助理")["duties"]
    assert [d["no"] for d in duties][-3:] == [11, 13, 14]
    assert any("item 12 is missing" in n.reason for n in result.notes)


def test_work_content_and_routine_are_their_own_lists() -> None:
    draft = _draft(_import("f11-work-content-routine.txt"), "客服助理")
    assert len(draft["duties"]) == 5
    assert [w["no"] for w in draft["work-content"]] == [1, 2, 3, 4]
    assert draft["work-content"][0]["schedule"] == "daily"
    assert draft["routine"][0]["text"] == "上班前签到，查阅交接班记录。"
    assert len(draft["routine"]) == 6


def test_role_document_purpose_scope_and_references() -> None:
    draft = _draft(_import("f19-role-document.txt"), "客服主管")
    assert draft["purpose"].startswith("明确客服主管的工作职责")
    assert draft["scope"] == "适用于本公司各管理处客服主管。"
    assert draft["references"] == [{"title": "员工考核办法"}, {"title": "用工制度"}]
    assert draft["reports-to"] == "office-manager"  # 在管理处经理的领导下 → the tree's role


def test_docx_table_of_roles_and_duties() -> None:
    result = _import("f07-docx-table.docx")
    assert [(r["title"], len(r["duties"])) for r in result.roles] == [
        ("客服主管", 3), ("客服助理", 4), ("收费员", 2)]


@pytest.mark.parametrize(("name", "rows"), [
    ("f12-staffing.txt", [("客服主管", 1), ("客服助理", 3), ("收费员", 2)]),
    ("f13-staffing-flat.txt", [("客服主管", 1), ("客服助理", 3), ("秩序维护员", 12)]),
    ("f24-docx-staffing.docx", [("客服主管", 1), ("客服助理", 2)]),
])
def test_staffing_tables_give_headcount_and_hours(name: str,
                                                  rows: list[tuple[str, int]]) -> None:
    result = _import(name)
    drafts = [_draft(result, title) for title, _ in rows]
    assert [d["headcount"] for d in drafts] == [n for _, n in rows]
    assert drafts[0]["work-pattern"]["hours"] == [{"start": "08:30", "end": "17:30"}]
    assert drafts[0]["shifts"][0]["name"] == "行政班"
    seasons = drafts[1]["work-pattern"]["seasons"]
    assert [(s["id"], s["hours"][0]["end"]) for s in seasons] == [("winter", "18:00"),
                                                                   ("summer", "18:30")]


def test_titled_procedure_list_with_roles_and_forms() -> None:
    result = _import("f14-procedure-list.txt")
    proc = _draft(result, "协助客户办理入驻手续的流程", "procedure")
    steps = proc["steps"]
    assert len(steps) == 7 and steps[-1]["terminal"] is True
    assert [s["next"][0]["to"] for s in steps[:-1]] == [s["id"] for s in steps[1:]]
    assert steps[0]["form"] and steps[0]["roles"]
    assert steps[3]["time-limit"] == "3d"


def test_document_control_lines_become_the_header() -> None:
    for name, want in (("f15-doc-control.txt", ("张丽", "王强")),
                       ("f23-docx-doc-control.docx", ("刘敏", "陈刚"))):
        result = _import(name)
        draft = next(_draft(result, d.title) for d in result.documents if d.kind == "role")
        assert (draft["drafted-by"], draft["reviewed-by"]) == want
        assert draft["approved-by"] is None  # 批准： empty = pending


def test_without_document_control_nothing_looks_approved() -> None:
    draft = _draft(_import("f03-cleaner.txt"), "保洁员")
    assert (draft["drafted-by"], draft["reviewed-by"], draft["approved-by"]) == (
        "importer", None, None)


@pytest.mark.parametrize(("name", "reason", "needle"), [
    ("f16-web-noise.txt", "web-page boilerplate", "版权所有"),
    ("f16-web-noise.txt", "web-page boilerplate", "上一篇"),
    ("f17-page-headers.txt", "page number", "第 2 页"),
    ("f17-page-headers.txt", "page header repeated down the text", "客户服务手册"),
    ("f18-toc.txt", "table of contents", "目  录"),
    ("f30-inline-colon.txt", "page number", "2"),
    ("f32-one-line-web.txt", "web-page boilerplate", "当前位置"),
    ("f25-docx-hant-procedure.docx", "page header repeated down the text", "作業文件"),
])
def test_noise_is_reported_with_its_position(name: str, reason: str, needle: str) -> None:
    result = _import(name)
    hits = [u for u in result.unplaced if needle in u.text]
    assert hits and all(u.reason.startswith(reason) for u in hits)
    lines = result.text.split("\n")
    u = hits[0]
    assert lines[u.line - 1][u.col - 1:].startswith(u.text.split("\n")[0])


def test_noise_is_cut_out_of_a_duty_it_interrupts() -> None:
    duties = _draft(_import("f17-page-headers.txt"), "客服主管")["duties"]
    assert all("客户服务手册" not in d["text"] and "- 1 -" not in d["text"] for d in duties)
    assert duties[2]["text"] == "负责审核客服助理填写的各类记录。"


def test_page_header_detection_leaves_repeated_duties_alone() -> None:
    text = "甲岗位职责\n1、完成上级交办的其他工作。\n乙岗位职责\n1、完成上级交办的其他工作。\n"
    assert find_noise(text) == []


@pytest.mark.parametrize(("name", "title", "boss"), [
    ("f03-cleaner.txt", "保洁员", None),  # 领班 is named in a duty: never guessed as superior
    ("f09-alpha.txt", "维修工", None),
    ("f05-post-name.txt", "客服主管", "office-manager"),  # 直接上级：管理处经理
    ("f26-hant-pcnum.txt", "客服助理", "customer-service-supervisor"),  # 在客服主管的領導下
])
def test_superiors_only_from_the_two_phrases(name: str, title: str, boss: str | None) -> None:
    result = _import(name)
    draft = _draft(result, title)
    got = draft.get("reports-to")
    if boss == "customer-service-supervisor":
        supervisor = next(d.id for d in result.documents if d.title == "客服主管")
        assert got == supervisor
    else:
        assert got == boss


def test_procedure_inside_a_role_chapter_is_its_own_procedure() -> None:
    result = _import("f33-role-with-procedure.txt")
    assert [len(r["duties"]) for r in result.roles] == [4]
    assert [len(p["steps"]) for p in result.procedures] == [4]


# ---- honest exit and the schema header -----------------------------------------------------


def test_nothing_recognised_exits_non_zero(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "notes.txt"
    src.write_text("今天天气很好，我们去公园散步。\n晚上吃了饺子，然后看电视。\n", encoding="utf-8")
    code = main(["import", str(src), "--out", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert code == 3
    assert "nothing recognised" in out and "check: ok" not in out
    assert "notes.txt:1:1: unplaced" in out
    assert not (tmp_path / "out").exists()


def test_less_than_half_placed_says_so_last(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "mostly-prose.txt"
    prose = "这是一段很长的介绍文字，讲述公司的发展历史与企业文化，没有任何岗位或程序。" * 6
    src.write_text(f"{prose}\n保洁员岗位职责\n1. 清扫。\n2. 清运垃圾。\n", encoding="utf-8")
    code = main(["import", str(src), "--dry-run"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert code == 0
    assert "less than half" in lines[-1]


@pytest.mark.parametrize("where", ["absolute", "relative", "outside"])
def test_schema_header_resolves_wherever_out_points(tmp_path: Path, where: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = {"absolute": str(tmp_path / "abs"), "relative": "rel/drafts",
           "outside": str(tmp_path.parent / f"{tmp_path.name}-outside")}[where]
    assert main(["import", str(CORPUS / "f03-cleaner.txt"), "--out", out]) == 0
    for draft in Path(out).resolve().rglob("*.yaml"):
        first = draft.read_text(encoding="utf-8").splitlines()[0]
        rel = first.split("$schema=", 1)[1]
        assert os.path.isfile(os.path.normpath(draft.parent / rel)), (draft, rel)


def test_uploaded_docx_reads_like_a_file() -> None:
    data = (CORPUS / "f07-docx-table.docx").read_bytes()
    assert read_bytes(data, "x.docx") == read_source(CORPUS / "f07-docx-table.docx")


def test_documents_cited_in_duties_become_references() -> None:
    text = ("客服主管岗位职责\n1、按《员工考核办法》对客服人员进行考核。\n"
            "2、执行《用工制度》，填写《员工考勤表》。\n")
    result = preview(text)
    draft = _draft(result, "客服主管")
    assert draft["references"] == [{"title": "员工考核办法"}, {"title": "用工制度"}]
    assert draft["duties"][1]["forms"]  # 《员工考勤表》 is a form, not a reference
    assert validate(result) == []


def test_opencc_is_installed() -> None:
    """Traditional handbooks need it; if this fails, run `make .venv/.installed`."""
    from runtime.importer.normalise import _converter

    assert _converter() is not None


def test_missing_opencc_is_said_not_silent(monkeypatch: pytest.MonkeyPatch) -> None:
    import runtime.importer.normalise as normalise

    monkeypatch.setattr(normalise, "_converter", lambda: None)
    normalise._char.cache_clear()
    try:
        result = preview((CORPUS / "f01-hant-assistant.txt").read_text(encoding="utf-8"))
        assert any("OpenCC is not installed" in n.reason for n in result.notes)
    finally:
        normalise._char.cache_clear()
