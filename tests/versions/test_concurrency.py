"""Document control under concurrency: serialised, based publishes; drafts that lose no edit.

Real processes (forked, so each test pays no import cost per process) race on one data
directory; SIGKILL lands at random points of a publish. The invariants: CURRENT always names a
complete version that passes the check, every accepted publish is live or superseded by a later
publish based on it, every refused one was refused with a reason, and no draft edit is lost.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import queue
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from runtime.compiler.pipeline import compiled
from runtime.errors import StaleBase
from runtime.versions import VersionRepo
from runtime.versions.drafts import Actor, Conflict, Drafts, RebaseConflicts
from runtime.versions.tree import tree_hash
from tests.conftest import MakeTree

FORK = multiprocessing.get_context("fork")
COMPANY = "rules/company.yaml"
PUBLISHERS = 4
ROUNDS = 20
KILL_TRIALS = 50
SAVERS = 2
SAVE_ROUNDS = 50


def _bump(text: str, marker: str) -> str:
    """Raise the minor version and add a marker comment: a real change that passes E090."""
    def up(m: re.Match[str]) -> str:
        major, minor, _patch = m.group(1).split(".")
        return f"version: {major}.{int(minor) + 1}.0"
    return f"# {marker}\n" + re.sub(r"^version: (\S+)", up, text, count=1, flags=re.M)


def _tree_from_live(repo: VersionRepo, dest: Path, marker: str) -> Path:
    live = repo.current()
    shutil.copytree(live.rules, dest / "rules")
    shutil.copytree(live.forms, dest / "forms")
    path = dest / COMPANY
    path.write_text(_bump(path.read_text(encoding="utf-8"), marker), encoding="utf-8")
    return dest


def _assert_live_is_complete(repo: VersionRepo) -> None:
    live = repo.current()
    if live.number == 1:
        return
    meta = json.loads((repo.root / f"{live.number:04d}" / "meta.json").read_text("utf-8"))
    assert meta["content_hash"] == tree_hash(live.rules, live.forms)
    assert not [e for e in compiled(live.rules, live.forms).errors if e.severity == "error"]


@pytest.fixture
def repo(make_tree: MakeTree, tmp_path: Path) -> VersionRepo:
    tree = make_tree()
    return VersionRepo(tmp_path / "data", tree / "rules", tree / "forms")


def _publish_one(data: str, shipped: tuple[str, str], tree: str, base: int,
                 out: Any) -> None:
    repo = VersionRepo(data, *shipped)
    try:
        info = repo.publish(Path(tree) / "rules", Path(tree) / "forms", message=tree, by="p",
                            base=base)
    except StaleBase as exc:
        out.put(("refused", tree, str(exc)))
    except Exception as exc:  # any other outcome is a failure of the test
        out.put(("error", tree, f"{type(exc).__name__}: {exc}"))
    else:
        out.put(("ok", tree, info.number))


@pytest.mark.slow
def test_concurrent_publishers_one_wins_each_round(repo: VersionRepo, tmp_path: Path) -> None:
    shipped = (str(repo.shipped_rules), str(repo.shipped_forms))
    for rnd in range(ROUNDS):
        base = repo.current_number()
        trees = [str(_tree_from_live(repo, tmp_path / f"r{rnd}p{i}", f"round {rnd} by {i}"))
                 for i in range(PUBLISHERS)]
        out = FORK.Queue()
        procs = [FORK.Process(target=_publish_one,
                              args=(str(repo.root.parent), shipped, t, base, out))
                 for t in trees]
        for p in procs:
            p.start()
        results = [out.get(timeout=120) for _ in procs]
        for p in procs:
            p.join(timeout=60)
        wins = [r for r in results if r[0] == "ok"]
        assert [r for r in results if r[0] == "error"] == []
        assert len(wins) == 1, results
        refused = [r for r in results if r[0] == "refused"]
        assert len(refused) == PUBLISHERS - 1
        assert all(f"based on version {base}" in r[2] for r in refused)
        live = repo.current()
        assert live.number == wins[0][2] == base + 1
        assert live.parent == base
        # The live tree is exactly the winner's: nothing of a loser slipped in.
        winner = Path(wins[0][1])
        assert live.content_hash == tree_hash(winner / "rules", winner / "forms")
        assert not list(repo.root.glob(".*.staging.*"))
    _assert_live_is_complete(repo)
    numbers = [v.number for v in repo.all()]
    assert numbers == list(range(1, ROUNDS + 2))
    assert [v.parent for v in repo.all()[1:]] == list(range(1, ROUNDS + 1))


def _publish_forever(data: str, shipped: tuple[str, str], work: str, log: str) -> None:
    repo = VersionRepo(data, *shipped)
    n = 0
    while True:
        n += 1
        tree = _tree_from_live(repo, Path(work) / f"{os.getpid()}-{n}", f"kill loop {n}")
        info = repo.publish(tree / "rules", tree / "forms", message=f"loop {n}", by="k")
        with open(log, "a", encoding="utf-8") as fh:  # acknowledged only after publish returned
            fh.write(f"{info.number} {info.content_hash}\n")
            fh.flush()
            os.fsync(fh.fileno())


@pytest.mark.slow
def test_sigkill_during_publish_never_leaves_a_broken_live_version(
        repo: VersionRepo, tmp_path: Path) -> None:
    shipped = (str(repo.shipped_rules), str(repo.shipped_forms))
    log = tmp_path / "acknowledged.txt"
    rng = random.Random(17)
    for trial in range(KILL_TRIALS):
        proc = FORK.Process(target=_publish_forever,
                            args=(str(repo.root.parent), shipped, str(tmp_path / f"w{trial}"),
                                  str(log)))
        proc.start()
        # Wait on state, not on time: let the child get going, then kill at a random moment.
        threading.Event().wait(rng.uniform(0.0, 0.6))
        assert proc.pid is not None
        os.kill(proc.pid, signal.SIGKILL)
        proc.join(timeout=60)
        _assert_live_is_complete(repo)
    acknowledged = [line.split() for line in log.read_text().splitlines()] if log.exists() else []
    live = repo.current().number
    for number, content_hash in acknowledged:
        # Every acknowledged publish is still there, with the content it was acknowledged with.
        assert repo.get(int(number)).content_hash == content_hash
        assert int(number) <= live
    # A publish after all those kills works, and cleans up what the killed ones left behind.
    tree = _tree_from_live(repo, tmp_path / "after", "after the kills")
    info = repo.publish(tree / "rules", tree / "forms", message="after", by="t")
    assert info.number == repo.current_number()
    assert not list(repo.root.glob(".*.staging.*"))


def test_cli_publish_on_a_stale_base_is_refused_without_traceback(
        repo: VersionRepo, tmp_path: Path) -> None:
    first = _tree_from_live(repo, tmp_path / "a", "first")
    second = _tree_from_live(repo, tmp_path / "b", "second")
    repo.publish(first / "rules", first / "forms", message="A", by="a", base=1)
    handbook = Path(sys.executable).with_name("handbook")
    run = subprocess.run(
        [str(handbook), "publish", "--data", str(repo.root.parent), "--rules",
         str(second / "rules"), "--forms", str(second / "forms"), "--message", "B", "--base", "1"],
        capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert "based on version 1, but version 2 is live" in run.stderr
    assert "published meanwhile: version 2" in run.stderr
    assert repo.current_number() == 2


def test_stale_staging_folders_are_cleaned_by_the_next_publish(repo: VersionRepo,
                                                               tmp_path: Path) -> None:
    repo.root.mkdir(parents=True)
    (repo.root / ".0002.staging.99999" / "rules").mkdir(parents=True)
    (repo.root / "0002").mkdir()  # a half-made number is skipped, never reused
    tree = _tree_from_live(repo, tmp_path / "t", "x")
    info = repo.publish(tree / "rules", tree / "forms", message="x", by="t")
    assert info.number == 3
    assert not list(repo.root.glob(".*.staging.*"))


# ---- drafts ---------------------------------------------------------------------------------


def _save_loop(data: str, shipped: tuple[str, str], draft_id: str, me: str, rounds: int,
               out: Any) -> None:
    drafts = Drafts(data, VersionRepo(data, *shipped))
    conflicts = 0
    try:
        for k in range(rounds):
            while True:  # what a person does on a conflict: reload and redo the edit
                draft = drafts.get(draft_id)
                text, h = drafts.read(draft, COMPANY)
                try:
                    drafts.save(draft, COMPANY, text + f"# {me} {k}\n", h, me)
                    break
                except Conflict:
                    conflicts += 1
        out.put(("ok", me, conflicts))
    except Exception as exc:
        out.put(("error", me, f"{type(exc).__name__}: {exc}"))


def _check_no_edit_lost(drafts: Drafts, draft_id: str, names: list[str], rounds: int) -> None:
    draft = drafts.get(draft_id)
    text, _ = drafts.read(draft, COMPANY)
    for me in names:
        assert [f"# {me} {k}" for k in range(rounds)] == re.findall(rf"^# {me} \d+$", text,
                                                                   flags=re.M)
    edits = [h for h in draft.history if h["action"] == "edit"]
    assert len(edits) == len(names) * rounds
    for me in names:
        assert sum(1 for h in edits if h["by"] == me) == rounds
    assert draft.rev == len(names) * rounds


@pytest.mark.slow
def test_two_processes_saving_one_draft_lose_no_edit(repo: VersionRepo) -> None:
    data = str(repo.root.parent)
    drafts = Drafts(data, repo)
    draft = drafts.create("并发保存", "t", draft_id="race")
    shipped = (str(repo.shipped_rules), str(repo.shipped_forms))
    out = FORK.Queue()
    names = [f"p{i}" for i in range(SAVERS)]
    procs = [FORK.Process(target=_save_loop, args=(data, shipped, draft.id, me, SAVE_ROUNDS, out))
             for me in names]
    for p in procs:
        p.start()
    results = [out.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert all(r[0] == "ok" for r in results), results
    _check_no_edit_lost(drafts, draft.id, names, SAVE_ROUNDS)


def test_two_sessions_in_one_process_keep_both_history_entries(repo: VersionRepo) -> None:
    data = str(repo.root.parent)
    drafts = Drafts(data, repo)
    created = drafts.create("两个会话", "t", draft_id="two")
    # Two sessions hold their own Draft objects, loaded before either saved.
    a, b = drafts.get(created.id), drafts.get(created.id)
    text, h = drafts.read(a, "rules/company.yaml")
    drafts.save(a, COMPANY, text + "# a\n", h, "a")
    text, h = drafts.read(b, COMPANY)
    drafts.save(b, COMPANY, text + "# b\n", h, "b")
    final = drafts.get(created.id)
    assert [e["by"] for e in final.history if e["action"] == "edit"] == ["a", "b"]
    assert a.rev == 1 and b.rev == 2 == final.rev


def test_threads_saving_one_draft_lose_no_edit(repo: VersionRepo) -> None:
    data = str(repo.root.parent)
    drafts = Drafts(data, repo)
    draft = drafts.create("线程", "t", draft_id="threads")
    shipped = (str(repo.shipped_rules), str(repo.shipped_forms))
    out: queue.Queue[Any] = queue.Queue()
    names = ["t0", "t1", "t2"]
    threads = [threading.Thread(target=_save_loop, args=(data, shipped, draft.id, me, 10, out))
               for me in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert all(out.get()[0] == "ok" for _ in names)
    _check_no_edit_lost(drafts, draft.id, names, 10)


def test_a_save_on_a_draft_moved_on_elsewhere_is_refused(repo: VersionRepo) -> None:
    drafts = Drafts(str(repo.root.parent), repo)
    mine = drafts.create("状态", "t", draft_id="moved")
    # Another session (holding its own Draft object) moves it on.
    drafts._change(drafts.get(mine.id), lambda d: setattr(d, "state", "submitted"))
    text, h = drafts.read(mine, COMPANY)
    with pytest.raises(Exception, match="submitted"):
        drafts.save(mine, COMPANY, text + "# late\n", h, "t")
    assert "# late" not in drafts.read(mine, COMPANY)[0]


# ---- rebase ---------------------------------------------------------------------------------


def _edit(drafts: Drafts, draft_id: str, rel: str, old: str, new: str) -> None:
    draft = drafts.get(draft_id)
    text, h = drafts.read(draft, rel)
    assert old in text, (rel, old)
    drafts.save(draft, rel, text.replace(old, new, 1), h, "t")


def test_rebase_merges_a_change_published_meanwhile(repo: VersionRepo, tmp_path: Path) -> None:
    drafts = Drafts(str(repo.root.parent), repo)
    draft = drafts.create("我的修改", "t", draft_id="mine")
    _edit(drafts, draft.id, COMPANY, "title: 测试公司", "title: 测试物业公司")
    _edit(drafts, draft.id, COMPANY, "version: 1.0.0", "version: 1.1.0")
    # Meanwhile another change is published (it touches another line of the same file).
    other = _tree_from_live(repo, tmp_path / "other", "published meanwhile")
    repo.publish(other / "rules", other / "forms", message="other", by="o")
    with pytest.raises(StaleBase):
        drafts._publish(drafts.get(draft.id), Actor("t", ()), "x", datetime(2026, 12, 3))
    # Both bumped the version to 1.1.0 (same change, taken once); E090 then asks for a bump
    # above the live 1.1.0, which is the author's call.
    drafts.rebase(draft, "t")
    assert draft.base_version == 2
    text = drafts.read(draft, COMPANY)[0]
    assert "# published meanwhile" in text and "title: 测试物业公司" in text
    assert [h["action"] for h in draft.history][-1] == "rebase"
    assert any(e.code == "E090" for e in drafts.check(draft))


def test_rebase_conflict_changes_nothing_until_the_author_decides(
        repo: VersionRepo, tmp_path: Path) -> None:
    drafts = Drafts(str(repo.root.parent), repo)
    draft = drafts.create("冲突", "t", draft_id="clash")
    _edit(drafts, draft.id, COMPANY, "title: 测试公司", "title: 甲公司")
    before = drafts.read(draft, COMPANY)[0]
    live_tree = _tree_from_live(repo, tmp_path / "live", "live")
    path = live_tree / COMPANY
    path.write_text(path.read_text("utf-8").replace("title: 测试公司", "title: 乙公司"), "utf-8")
    repo.publish(live_tree / "rules", live_tree / "forms", message="乙", by="o")
    with pytest.raises(RebaseConflicts) as exc:
        drafts.rebase(draft, "t")
    assert [c.path for c in exc.value.conflicts] == [COMPANY]
    assert "乙公司" in exc.value.conflicts[0].theirs and "甲公司" in exc.value.conflicts[0].ours
    assert drafts.read(draft, COMPANY)[0] == before
    assert drafts.get(draft.id).base_version == 1
    assert exc.value.saved and (draft.root / exc.value.saved[0]).read_text("utf-8") \
        == exc.value.conflicts[0].theirs
    # The author keeps the draft's text for that file: the rest of the live change merges.
    drafts.rebase(draft, "t", keep_draft=[COMPANY])
    assert drafts.get(draft.id).base_version == 2
    assert "title: 甲公司" in drafts.read(draft, COMPANY)[0]
