"""Document control end to end: drafts, review, approval, publish, refusals, rollback, diffs."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from runtime.errors import HandbookError, PermissionDenied, RuleErrors
from runtime.versions import VersionRepo
from runtime.versions.acks import create_tasks, plan_tasks, progress
from runtime.versions.diff import diff_trees
from runtime.versions.drafts import Actor, Conflict, Drafts
from runtime.versions.newprop import NewProperty, write_new_property
from tests.conftest import ROOT

# PROC is a company rule: company-level accounts review (品质部) and approve (副总经理) it.
DRAFTER = Actor("zhang", ("general-affairs-supervisor",))
REVIEWER = Actor("li", ("quality-officer",))
APPROVER = Actor("wang", ("deputy-general-manager",))
CLERK = Actor("chen", ("front-desk",))
PROC = "rules/company/procedures/complaint-handling.yaml"
NOW = datetime(2026, 11, 23, 10, 0)


@pytest.fixture
def env(shipped_copy: Path, tmp_path: Path) -> tuple[VersionRepo, Drafts]:
    repo = VersionRepo(tmp_path / "data", shipped_copy / "rules", shipped_copy / "forms")
    return repo, Drafts(tmp_path / "data", repo)


def _bump(text: str) -> str:
    def up(m: re.Match[str]) -> str:
        major, minor, _patch = m.group(1).split(".")
        return f"version: {major}.{int(minor) + 1}.0"
    return re.sub(r"^version: (\S+)", up, text, count=1, flags=re.M)


def _change_callback_delay(drafts: Drafts, draft, by: str = "zhang") -> None:  # type: ignore[no-untyped-def]
    text, h = drafts.read(draft, PROC)
    assert "delay: 7d" in text
    drafts.save(draft, PROC, _bump(text.replace("delay: 7d", "delay: 3d", 1)), h, by)


def test_whole_path_with_refusals(env: tuple[VersionRepo, Drafts]) -> None:
    repo, drafts = env
    draft = drafts.create("回访改为3天", "zhang", now=NOW)
    _change_callback_delay(drafts, draft)
    # Each step refused to the wrong role, then done by the right one.
    with pytest.raises(PermissionDenied):
        drafts.act(draft, "submit", CLERK)
    drafts.act(draft, "submit", DRAFTER, "请审核")
    with pytest.raises(PermissionDenied):
        drafts.act(draft, "review", CLERK)
    with pytest.raises(PermissionDenied):
        drafts.act(draft, "approve", APPROVER)  # not reviewed yet: wrong state
    drafts.act(draft, "review", REVIEWER, "同意")
    with pytest.raises(PermissionDenied):
        drafts.act(draft, "approve", REVIEWER)
    drafts.act(draft, "approve", APPROVER, "批准")
    with pytest.raises(PermissionDenied):
        drafts.act(draft, "publish", CLERK)
    assert repo.current_number() == 1
    drafts.act(draft, "publish", APPROVER, message="投诉回访由7天改为3天")
    assert repo.current_number() == 2 and draft.state == "published"
    info = repo.current()
    assert [a["action"] for a in info.approvals] == ["submit", "review", "approve"]
    assert [h["by"] for h in drafts.get(draft.id).history][-4:] == ["zhang", "li", "wang", "wang"]
    assert "delay: 3d" in (info.rules / "company/procedures/complaint-handling.yaml").read_text(
        encoding="utf-8")
    # Every published version stays viewable.
    assert [v.number for v in repo.all()] == [1, 2]
    assert "delay: 7d" in (repo.get(1).rules / "company/procedures/complaint-handling.yaml"
                           ).read_text(encoding="utf-8")


def test_invalid_publish_refused_and_old_version_stays_live(
        env: tuple[VersionRepo, Drafts], tmp_path: Path) -> None:
    repo, _ = env
    live = repo.current()
    broken = tmp_path / "broken"
    import shutil

    shutil.copytree(live.rules, broken / "rules")
    shutil.copytree(live.forms, broken / "forms")
    role = broken / "rules/company/roles/front-desk.yaml"
    role.write_text(_bump(role.read_text(encoding="utf-8")).replace(
        "level: operational", "level: nurse"), encoding="utf-8")
    with pytest.raises(RuleErrors) as info:
        repo.publish(broken / "rules", broken / "forms", message="坏的", by="wang")
    assert any(e.file.endswith("front-desk.yaml") for e in info.value.errors)
    assert repo.current_number() == 1 and repo.all() == [repo.get(1)]
    assert not any(p.name.startswith(".") for p in (repo.root.iterdir() if repo.root.exists()
                                                     else []))


def test_changed_file_without_version_bump_is_refused(
        env: tuple[VersionRepo, Drafts], tmp_path: Path) -> None:
    repo, drafts = env
    draft = drafts.create("忘记改版本", "zhang")
    text, h = drafts.read(draft, PROC)
    drafts.save(draft, PROC, text.replace("delay: 7d", "delay: 3d", 1), h, "zhang")
    errors = [e for e in drafts.check(draft) if e.code != "W091"]  # W091: date-dependent
    # E090 blocks; W080 reminds that the title 处理一周后回访 now lies about the 3-day delay
    assert [e.code for e in errors] == ["E090", "W080"] and errors[0].file == PROC
    with pytest.raises(HandbookError, match="E090"):
        drafts.act(draft, "submit", DRAFTER)
    with pytest.raises(RuleErrors):
        repo.publish(draft.rules, draft.forms, message="x", by="wang")
    assert repo.current_number() == 1


def test_rollback_publishes_old_version_anew(env: tuple[VersionRepo, Drafts]) -> None:
    repo, drafts = env
    draft = drafts.create("v2", "zhang")
    _change_callback_delay(drafts, draft)
    repo.publish(draft.rules, draft.forms, message="v2", by="wang")
    back = repo.rollback(1, by="wang")
    assert back.number == 3 and back.rollback_of == 1 and repo.current_number() == 3
    assert back.content_hash == repo.get(1).content_hash


def test_edit_conflict_keeps_both(env: tuple[VersionRepo, Drafts]) -> None:
    _, drafts = env
    draft = drafts.create("同时编辑", "zhang")
    text, base = drafts.read(draft, PROC)
    drafts.save(draft, PROC, text + "\n# 张的修改\n", base, "zhang")
    with pytest.raises(Conflict) as info:
        drafts.save(draft, PROC, text + "\n# 李的修改\n", base, "li")
    conflict = info.value
    assert "# 张的修改" in conflict.theirs and "# 李的修改" in conflict.yours
    assert "+# 李的修改" in conflict.diff
    kept = draft.root / conflict.saved_as
    assert kept.read_text(encoding="utf-8").endswith("# 李的修改\n")
    assert drafts.read(draft, PROC)[0].endswith("# 张的修改\n")


def test_drafts_cannot_escape_their_folder(env: tuple[VersionRepo, Drafts]) -> None:
    _, drafts = env
    draft = drafts.create("x", "zhang")
    with pytest.raises(PermissionDenied):
        drafts.save(draft, "../../evil.yaml", "x", "", "zhang")


def test_plain_diff_of_one_time_limit(env: tuple[VersionRepo, Drafts]) -> None:
    repo, drafts = env
    draft = drafts.create("v2", "zhang")
    _change_callback_delay(drafts, draft)
    repo.publish(draft.rules, draft.forms, message="v2", by="wang")
    a, b = repo.get(1), repo.get(2)
    changes = diff_trees(a.rules, a.forms, b.rules, b.forms)
    sentences = [c.sentence("zh") for c in changes]
    assert len([s for s in sentences if "从 7天 改为 3天" in s]) == 1, sentences
    assert all(c.scope is None for c in changes if "3天" in c.zh)


def test_cli_diff_prints_one_sentence(env: tuple[VersionRepo, Drafts]) -> None:
    repo, drafts = env
    draft = drafts.create("v2", "zhang")
    text, h = drafts.read(draft, PROC)
    drafts.save(draft, PROC, _bump(text.replace("within: 24h", "within: 12h", 1)), h, "zhang")
    repo.publish(draft.rules, draft.forms, message="24小时改为12小时", by="wang")
    out = subprocess.run(
        [sys.executable, "-m", "runtime.cli", "diff", "1", "2", "--plain",
         "--data", str(repo.root.parent)],
        capture_output=True, text=True, cwd=ROOT, check=True).stdout.strip().splitlines()
    assert len(out) == 1, out
    assert "24小时内处理" in out[0] and "从 24小时 改为 12小时" in out[0]


def test_acknowledgements_only_for_touched_roles(
    env: tuple[VersionRepo, Drafts], backend: Any
) -> None:
    """Read tasks on each store backend (embedded and PostgreSQL)."""
    repo, drafts = env
    draft = drafts.create("v2", "zhang")
    _change_callback_delay(drafts, draft)
    a = repo.current()
    repo.publish(draft.rules, draft.forms, message="v2", by="wang")
    b = repo.current()
    changes = diff_trees(a.rules, a.forms, b.rules, b.forms)
    users = [
        {"username": "assistant1", "roles": ["customer-assistant"], "property": "taoyuan-village"},
        {"username": "desk1", "roles": ["front-desk"], "property": "taoyuan-village"},
        {"username": "boss", "roles": ["office-manager"], "property": None},
    ]
    tasks = plan_tasks(b.number, changes, users, NOW)
    assert [t["username"] for t in tasks] == ["assistant1"]
    store = backend.open()
    assert create_tasks(store, b.number, changes, users, NOW) == 1
    assert create_tasks(store, b.number, changes, users, NOW) == 0  # idempotent
    assert progress(store, b.number) == {"customer-assistant": {"done": [], "open": ["assistant1"]}}


def test_new_property_from_company_base(env: tuple[VersionRepo, Drafts]) -> None:
    repo, drafts = env
    draft = drafts.create("新项目", "zhang")
    spec = NewProperty(id="east-garden", title="东园管理处",
                       headcount={"front-desk": 3, "customer-assistant": 2},
                       working_hours=[("09:00", "12:00"), ("13:00", "18:00")],
                       clock_limits={("complaint-handling", "handle-within-24h"): "12h"})
    written = write_new_property(drafts, draft, spec, "zhang")
    assert written == ["rules/properties/east-garden/property.yaml",
                       "rules/properties/east-garden/calendar.yaml"]
    # W091 (no official holiday schedule for next year) depends on today's date, not on
    # this draft: the shipped calendar has none for 2027 from November 2026 on.
    assert [e for e in drafts.check(draft) if e.code != "W091"] == []
    info = repo.publish(draft.rules, draft.forms, message="新增东园", by="wang")
    from runtime.compiler.pipeline import compile_tree

    view = compile_tree(info.rules, info.forms).views["east-garden"]
    assert view.roles["front-desk"].headcount.count == 3
    assert str(view.procedures["complaint-handling"].clocks[0].within) == "12h"
    assert view.calendar is not None and len(view.calendar.working_hours) == 2
