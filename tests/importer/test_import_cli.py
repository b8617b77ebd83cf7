"""`handbook import`: files in, drafts out, unplaced text printed with positions; bad input."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runtime.cli import main
from runtime.compiler.loader import load_files
from runtime.compiler.pipeline import compile_tree
from runtime.importer import ImportFailed, preview, read_bytes, read_source, validate
from runtime.importer.segment import LAYOUT_CHARS

DATA = Path(__file__).parent / "data"


def test_import_seed_writes_drafts_and_reports(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "drafts"
    code = main(["import", str(DATA / "seed000.txt"), "--kind", "role", "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 0, text
    assert "8 role(s) (duties 12, 14, 11, 7, 15, 9, 8, 10)" in text
    assert "check: ok" in text
    assert "seed000.txt:1:4352: unplaced (text after the last numbered duty" in text
    roles = sorted(p.name for p in (out / "roles").glob("*.yaml"))
    assert len(roles) >= 8
    loaded = load_files(sorted(out.rglob("*.yaml")))
    assert loaded.errors == []
    assert all(d.data["drafted-by"] == "importer" for d in loaded.docs)


def test_written_drafts_pass_check_in_a_tree(tmp_path: Path, shipped_copy: Path) -> None:
    before = {e.cli_line() for e in compile_tree(shipped_copy / "rules",
                                                  shipped_copy / "forms").errors}
    out = shipped_copy / "rules" / "company" / "imported"
    assert main(["import", str(DATA / "seed000.txt"), "--out", str(out)]) == 0
    for form in (out / "forms").glob("*.yaml"):  # forms belong in the forms tree
        form.rename(shipped_copy / "forms" / form.name)
    result = compile_tree(shipped_copy / "rules", shipped_copy / "forms")
    assert sum("company/imported/roles/" in f for f in result.files) >= 8
    added = [e.cli_line() for e in result.errors
             if e.severity == "error" and e.cli_line() not in before]
    assert added == []


def test_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["import", str(DATA / "seed000.txt"), "--dry-run", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["written"] == [] and data["check_errors"] == []
    assert [len(r["duties"]) for r in data["roles"]] == [12, 14, 11, 7, 15, 9, 8, 10]
    assert {"start", "end", "line", "col", "text", "reason"} <= set(data["unplaced"][0])


def test_docx_paragraphs_and_table_rows(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    document = docx.Document()
    document.add_paragraph("客户服务工作行程")
    table = document.add_table(rows=2, cols=3)
    for row, cells in zip(table.rows, [("每周五下午2点半", "部门工作例会", "客服主管"),
                                       ("每月25日前", "制定下月培训计划", "客服主管")],
                          strict=True):
        for cell, value in zip(row.cells, cells, strict=True):
            cell.text = value
    path = tmp_path / "calendar.docx"
    document.save(str(path))
    assert read_source(path).splitlines() == [
        "客户服务工作行程",
        "每周五下午2点半\t部门工作例会\t客服主管",
        "每月25日前\t制定下月培训计划\t客服主管",
    ]
    assert main(["import", str(path), "--dry-run"]) == 0
    assert "2 schedule item(s)" in capsys.readouterr().out


def test_gb18030_text_is_read(tmp_path: Path) -> None:
    path = tmp_path / "gbk.txt"
    data = "每周五下午2点半 部门工作例会 客服主管\n".encode("gb18030")
    path.write_bytes(data)
    assert read_source(path).startswith("每周五")
    assert read_bytes(data, "upload.txt") == read_source(path)  # what the app's upload gets


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "role", "--property", "no-such-office"], "unknown property"),
        ([], "cannot read"),
    ],
)
def test_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                           args: list[str], message: str) -> None:
    src = DATA / "seed000.txt" if args else tmp_path / "missing.txt"
    assert main(["import", str(src), "--dry-run", *args]) == 2
    assert message in capsys.readouterr().err


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "old.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00\x00")
    with pytest.raises(ImportFailed, match="not a text file"):
        read_source(path)


def test_broken_docx_is_an_import_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ImportFailed):
        read_source(path)


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ImportFailed):
        preview("1、甲", "training")


ALPHABET = st.sampled_from(list("一二三四五六七八九十、，。；：:1234567890.()（）《》①②\n 岗位职责"
                                "主管经理每周五月日前小时内率达%前台负责投诉直接上级管理级别"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(ALPHABET, max_size=300), st.sampled_from(["auto", "role", "procedure",
                                                          "schedule"]))
def test_any_text_never_crashes_and_never_loses_text(text: str, kind: str) -> None:
    result = preview(text, kind)
    norm = text.replace("\r\n", "\n").replace("\r", "\n")
    c = result.coverage
    assert c["placed"] + c["layout"] + c["unplaced"] == c["chars"] == len(norm)
    # Every content character that went into no draft is inside exactly one reported passage.
    reported = sum(1 for p in result.unplaced for ch in p.text if ch not in LAYOUT_CHARS)
    assert reported == c["unplaced"]
    for p in result.unplaced:
        assert norm[p.start:p.end] == p.text


DUTY_BITS = ["负责接待业主投诉", "24小时内处理", "投诉处理率达100%", "每月25日前提交报告",
             "填写《周工作信息表》", "每周五下午2点半参加例会", "协助管理处经理工作", "保存期2年",
             "遵守《指挥中心管理制度》", "做好98-105栋报修记录", "完成领导交办的其他工作"]
ROLE_NAMES = ["客服主管", "前台接待员", "社区文化员", "维修班长", "收费员", "装修管理员"]
NUMERALS = "一二三四五六七八九"


@st.composite
def handbooks(draw: st.DrawFn) -> tuple[str, list[int]]:
    """Role chapters in random styles: one line or many, 1、 1. 1) (1) ①; returns duty counts."""
    n_roles = draw(st.integers(1, 4))
    names = draw(st.permutations(ROLE_NAMES))[:n_roles]
    one_line = draw(st.booleans())
    sep = "" if one_line else "\n"
    style = draw(st.sampled_from(["{}、", "{}.", "{})", "({})", "circled"]))
    parts, counts = [], []
    for i, name in enumerate(names):
        boss = ROLE_NAMES[(ROLE_NAMES.index(name) + 1) % len(ROLE_NAMES)]
        parts.append(f"{NUMERALS[i]}、{name}岗位职责{sep}{name}在{boss}的直接领导下工作,其职责如下:{sep}")
        k = draw(st.integers(1, 6))
        counts.append(k)
        for j in range(1, k + 1):
            marker = chr(0x2460 + j - 1) if style == "circled" else style.format(j)
            bits = draw(st.lists(st.sampled_from(DUTY_BITS), min_size=1, max_size=3))
            parts.append(f"{marker}{','.join(bits)}。{sep}")
    return "".join(parts), counts


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(handbooks())
def test_generated_role_chapters_give_valid_drafts(book: tuple[str, list[int]]) -> None:
    text, counts = book
    result = preview(text, "role")
    assert [len(r["duties"]) for r in result.roles] == counts
    assert validate(result) == []
    assert result.coverage["unplaced"] == 0


def test_docx_auto_numbering_is_rebuilt(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("二、客服主管岗位职责")
    document.add_paragraph("客服主管在管理处经理的直接领导下工作，其职责如下：")
    for duty in ("负责日常管理。", "每月25日前制定培训计划。", "完成领导交办的其他工作。"):
        document.add_paragraph(duty, style="List Number")  # Word draws 1. 2. 3.
    document.add_paragraph("4、已手写编号的一项。", style="List Number")
    path = tmp_path / "roles.docx"
    document.save(str(path))
    text = read_source(path)
    assert text.splitlines()[2:] == ["1、负责日常管理。", "2、每月25日前制定培训计划。",
                                     "3、完成领导交办的其他工作。", "4、已手写编号的一项。"]
    result = preview(text, "role")
    assert [len(r["duties"]) for r in result.roles] == [4]
    assert validate(result) == []
