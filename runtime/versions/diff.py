"""What changed between two rule-set versions, in plain language for trainers and as raw YAML.

Both trees are compiled and their resolved views compared rule by rule, so a change made by a
property overlay reads the same as one made in a company file:
"中兴人才公寓管理处: 顾客投诉处理作业规程: 「处理一周后回访」 从 7天 改为 3天".
A change in the company base is reported once, not once per property.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runtime.compiler import model as m
from runtime.compiler.pipeline import compiled as compile_tree
from runtime.compiler.timeexpr import Duration
from runtime.compiler.titles import contradiction, human_duration

__all__ = ["Change", "diff_trees", "human_duration"]

@dataclass(frozen=True)
class Change:
    """One difference, with a sentence in Chinese and English and the roles it touches."""

    scope: str | None  # property id, or None for the company base
    scope_title: str
    kind: str
    rule_id: str
    rule_title: str
    item: str  # what inside the rule ("duty 6", "step resolve", "clock handle-within-24h")
    action: str  # added | removed | changed
    before: str = ""
    after: str = ""
    roles: frozenset[str] = field(default_factory=frozenset)
    zh: str = ""
    en: str = ""

    def sentence(self, lang: str = "zh") -> str:
        """The plain-language sentence."""
        return self.zh if lang == "zh" else self.en


def _fmt(value: Any, lang: str) -> str:
    if isinstance(value, Duration) or value is None:
        return human_duration(value, lang)
    if isinstance(value, tuple | list):
        return "、".join(map(str, value)) if lang == "zh" else ", ".join(map(str, value))
    return str(value)


class _Differ:
    def __init__(self, scope: str | None, scope_title: str, old: m.Handbook,
                 new: m.Handbook) -> None:
        self.scope, self.scope_title, self.old, self.new = scope, scope_title, old, new
        self.out: list[Change] = []

    def add(self, kind: str, rid: str, title: str, item_zh: str, item_en: str, action: str,
            before: Any = None, after: Any = None, roles: Iterable[str] = (),
            item_title: str | None = None) -> None:
        head = f"{self.scope_title}: {title}"
        if action == "changed":
            zh = f"{head}: {item_zh} 从 {_fmt(before, 'zh')} 改为 {_fmt(after, 'zh')}"
            en = f"{head}: {item_en} from {_fmt(before, 'en')} to {_fmt(after, 'en')}"
            said = contradiction(item_title, after) if item_title is not None and isinstance(
                after, Duration) else None
            if said is not None:  # the limit moved but the title still promises the old one
                zh += f" (标题仍写「{said}」: 请同时修改标题, 或在标题中写 {{within}})"
                en += f" (the title still says “{said}”: update it too, or write {{within}} in it)"
        elif action == "added":
            zh, en = f"{head}: 新增{item_zh}", f"{head}: {item_en} added"
        else:
            zh, en = f"{head}: 删除{item_zh}", f"{head}: {item_en} removed"
        self.out.append(Change(self.scope, self.scope_title, kind, rid, title, item_en, action,
                               _fmt(before, "en"), _fmt(after, "en"), frozenset(roles), zh, en))

    def run(self) -> list[Change]:
        self.roles()
        self.procedures()
        self.schedules()
        self.forms()
        self.trainings()
        return self.out

    def _pairs(self, attr: str) -> Iterator[tuple[str, Any, Any]]:
        old, new = getattr(self.old, attr), getattr(self.new, attr)
        for rid in sorted(set(old) | set(new)):
            a, b = old.get(rid), new.get(rid)
            if a is not b:  # shared (unchanged) objects are skipped cheaply
                yield rid, a, b

    def _whole(self, kind: str, rid: str, a: Any, b: Any, roles: Iterable[str]) -> bool:
        if a is None:
            self.add(kind, rid, b.meta.title, f"{kind} {rid}", f"{kind} {rid}", "added",
                     roles=roles)
            return True
        if b is None:
            self.add(kind, rid, a.meta.title, f"{kind} {rid}", f"{kind} {rid}", "removed",
                     roles=roles)
            return True
        return False

    def roles(self) -> None:
        for rid, a, b in self._pairs("roles"):
            if self._whole("role", rid, a, b, [rid]):
                continue
            t = b.title
            for attr, zh, en in (("title", "名称", "title"),
                                 ("reports_to", "直接上级", "reports-to"),
                                 ("level", "管理级别", "level")):
                if getattr(a, attr) != getattr(b, attr):
                    self.add("role", rid, t, zh, en, "changed", getattr(a, attr),
                             getattr(b, attr), [rid])
            if a.headcount != b.headcount:
                self.add("role", rid, t, "定编", "headcount", "changed", a.headcount.count,
                         b.headcount.count, [rid])
            old = {d.no: d for d in a.duties}
            new = {d.no: d for d in b.duties}
            for no in sorted(set(old) | set(new)):
                da, db = old.get(no), new.get(no)
                if da is None:
                    self.add("role", rid, t, f"职责{no}", f"duty {no}", "added", roles=[rid])
                elif db is None:
                    self.add("role", rid, t, f"职责{no}", f"duty {no}", "removed", roles=[rid])
                else:
                    if da.text != db.text:
                        self.add("role", rid, t, f"职责{no}", f"duty {no}", "changed",
                                 da.text, db.text, [rid])
                    if da.time_limit != db.time_limit:
                        self.add("role", rid, t, f"职责{no}时限", f"duty {no} time limit",
                                 "changed", da.time_limit, db.time_limit, [rid])
                    if da.targets != db.targets:
                        self.add("role", rid, t, f"职责{no}指标", f"duty {no} targets", "changed",
                                 [str(x) for x in da.targets], [str(x) for x in db.targets],
                                 [rid])
            if a.authorities != b.authorities:
                self.add("role", rid, t, "权限", "authorities", "changed", len(a.authorities),
                         len(b.authorities), [rid])
            self._role_document(rid, t, a, b)

    def _role_document(self, rid: str, t: str, a: m.Role, b: m.Role) -> None:
        """目的, 适用范围, 工作内容, 工作流程 and 相关文件 of a role document."""
        for attr, zh, en in (("purpose", "目的", "purpose"), ("scope", "适用范围", "scope")):
            if getattr(a, attr) != getattr(b, attr):
                self.add("role", rid, t, zh, en, "changed", getattr(a, attr),
                         getattr(b, attr), [rid])
        for attr, zh, en in (("work_content", "工作内容", "work content"),
                             ("routine", "工作流程", "daily routine"),
                             ("references", "相关文件", "related documents")):
            before = [getattr(x, "text", None) or getattr(x, "title", "") for x in getattr(a, attr)]
            after = [getattr(x, "text", None) or getattr(x, "title", "") for x in getattr(b, attr)]
            if before != after:
                self.add("role", rid, t, zh, en, "changed", before, after, [rid])

    def procedures(self) -> None:
        for pid, a, b in self._pairs("procedures"):
            roles = set((a or b).roles)
            if self._whole("procedure", pid, a, b, roles):
                continue
            t = b.title
            old = {s.id: s for s in a.steps}
            new = {s.id: s for s in b.steps}
            for sid in [s.id for s in a.steps] + [s for s in new if s not in old]:
                sa, sb = old.get(sid), new.get(sid)
                if sa is None:
                    assert sb is not None
                    self.add("procedure", pid, t, f"步骤「{sb.title}」", f"step {sid}", "added",
                             roles=sb.roles)
                elif sb is None:
                    self.add("procedure", pid, t, f"步骤「{sa.title}」", f"step {sid}",
                             "removed", roles=sa.roles)
                else:
                    if sa.time_limit != sb.time_limit:
                        self.add("procedure", pid, t, f"步骤「{sb.title}」时限",
                                 f"step {sid} time limit", "changed", sa.time_limit,
                                 sb.time_limit, set(sa.roles) | set(sb.roles), sb.title)
                    if sa.roles != sb.roles:
                        self.add("procedure", pid, t, f"步骤「{sb.title}」负责岗位",
                                 f"step {sid} roles", "changed", sa.roles, sb.roles,
                                 set(sa.roles) | set(sb.roles))
                    if [(x.to, str(x.when)) for x in sa.next] != [
                            (x.to, str(x.when)) for x in sb.next]:
                        self.add("procedure", pid, t, f"步骤「{sb.title}」去向",
                                 f"step {sid} next steps", "changed",
                                 [x.to for x in sa.next], [x.to for x in sb.next], sb.roles)
                    if (sa.title, sa.instructions) != (sb.title, sb.instructions):
                        self.add("procedure", pid, t, f"步骤「{sb.title}」作业要求",
                                 f"step {sid} instructions", "changed", sa.title, sb.title,
                                 sb.roles)
            self._timed(pid, t, "clock", {c.id: c for c in a.clocks},
                        {c.id: c for c in b.clocks}, "within", b)
            self._timed(pid, t, "follow-up", {f.id: f for f in a.follow_ups},
                        {f.id: f for f in b.follow_ups}, "delay", b)

    def _timed(self, pid: str, title: str, what: str, old: dict[str, Any], new: dict[str, Any],
               attr: str, proc: m.Procedure) -> None:
        for xid in sorted(set(old) | set(new)):
            xa, xb = old.get(xid), new.get(xid)
            x: Any = xb or xa
            roles = _touched_roles(proc, x)
            if xa is None:
                self.add("procedure", pid, title, f"「{x.title}」", f"{what} {xid}", "added",
                         roles=roles)
            elif xb is None:
                self.add("procedure", pid, title, f"「{x.title}」", f"{what} {xid}", "removed",
                         roles=roles)
            elif getattr(xa, attr) != getattr(xb, attr):
                self.add("procedure", pid, title, f"「{xb.title}」", f"{what} {xid}", "changed",
                         getattr(xa, attr), getattr(xb, attr), roles, xb.title)

    def schedules(self) -> None:
        for sid, a, b in self._pairs("schedules"):
            owners = {o for s in (a, b) if s for it in s.items for o in it.owners}
            if self._whole("schedule", sid, a, b, owners):
                continue
            old = {i.id: i for i in a.items}
            new = {i.id: i for i in b.items}
            for iid in sorted(set(old) | set(new)):
                ia, ib = old.get(iid), new.get(iid)
                it: Any = ib or ia
                if ia is None or ib is None:
                    self.add("schedule", sid, b.meta.title, f"「{it.title}」", f"item {iid}",
                             "added" if ia is None else "removed", roles=it.owners)
                elif str(ia.recurrence) != str(ib.recurrence):
                    self.add("schedule", sid, b.meta.title, f"「{ib.title}」时间",
                             f"item {iid} recurrence", "changed", str(ia.recurrence),
                             str(ib.recurrence), set(ia.owners) | set(ib.owners))
                elif ia.owners != ib.owners:
                    self.add("schedule", sid, b.meta.title, f"「{ib.title}」负责人",
                             f"item {iid} owner", "changed", ia.owners, ib.owners,
                             set(ia.owners) | set(ib.owners))

    def forms(self) -> None:
        for fid, a, b in self._pairs("forms"):
            if self._whole("form", fid, a, b, ()):
                continue
            fa, fb = set(a.schema.get("properties", {})), set(b.schema.get("properties", {}))
            for name in sorted(fb - fa):
                self.add("form", fid, b.title, f"字段 {name}", f"field {name}", "added")
            for name in sorted(fa - fb):
                self.add("form", fid, a.title, f"字段 {name}", f"field {name}", "removed")
            ra, rb = a.schema.get("required", []), b.schema.get("required", [])
            if sorted(ra) != sorted(rb):
                self.add("form", fid, b.title, "必填字段", "required fields", "changed",
                         sorted(ra), sorted(rb))

    def trainings(self) -> None:
        for tid, a, b in self._pairs("trainings"):
            if self._whole("training", tid, a, b, (a or b).roles):
                continue
            if a.item_count != b.item_count:
                self.add("training", tid, b.meta.title, "培训要点数", "training items", "changed",
                         a.item_count, b.item_count, b.roles)


def _touched_roles(proc: m.Procedure, item: Any) -> set[str]:
    roles: set[str] = set()
    if isinstance(item, m.FollowUp):
        roles.add(item.role)
    elif isinstance(item, m.Clock):
        steps = {s.id: s for s in proc.steps}
        for point in (item.start, *item.stop):
            if point.step in steps:
                roles |= set(steps[point.step].roles)
        roles |= {e.role for e in item.escalate}
    return roles


def diff_views(old: m.Handbook, new: m.Handbook, scope: str | None, title: str) -> list[Change]:
    """Changes between two resolved views of the same scope."""
    return _Differ(scope, title, old, new).run()


def diff_trees(old_rules: Path, old_forms: Path, new_rules: Path, new_forms: Path) -> list[Change]:
    """Every plain-language change between two rule trees (company changes reported once)."""
    old, new = compile_tree(old_rules, old_forms), compile_tree(new_rules, new_forms)
    if None not in old.views or None not in new.views:
        return []
    company_title = new.views[None].company.meta.title.split(" ")[0]
    changes = diff_views(old.views[None], new.views[None], None, company_title)
    seen = {(c.kind, c.rule_id, c.item, c.action, c.before, c.after) for c in changes}
    for pid in sorted(set(old.views) | set(new.views), key=str):
        if pid is None:
            continue
        a, b = old.views.get(pid), new.views.get(pid)
        if a is None or b is None:
            prop = (b or a)
            assert prop is not None and prop.property is not None
            title = prop.property.meta.title
            action = "added" if a is None else "removed"
            zh = f"{title}: {'新增' if a is None else '删除'}管理处"
            en = f"{title}: property {action}"
            changes.append(Change(pid, title, "property", pid, title, "property", action,
                                  zh=zh, en=en))
            continue
        assert b.property is not None
        for change in diff_views(a, b, pid, b.property.meta.title):
            key = (change.kind, change.rule_id, change.item, change.action, change.before,
                   change.after)
            if key not in seen:
                changes.append(change)
    return changes


def raw_diff(old_rules: Path, old_forms: Path, new_rules: Path, new_forms: Path) -> str:
    """Unified diff of the YAML (and templates) between two trees."""
    out: list[str] = []
    for old_root, new_root, label in ((old_rules, new_rules, "rules"),
                                      (old_forms, new_forms, "forms")):
        names = {p.relative_to(old_root).as_posix() for p in old_root.rglob("*") if p.is_file()}
        names |= {p.relative_to(new_root).as_posix() for p in new_root.rglob("*") if p.is_file()}
        for name in sorted(names):
            a, b = old_root / name, new_root / name
            ta = a.read_text(encoding="utf-8", errors="replace") if a.is_file() else ""
            tb = b.read_text(encoding="utf-8", errors="replace") if b.is_file() else ""
            if ta != tb:
                out.extend(difflib.unified_diff(
                    ta.splitlines(keepends=True), tb.splitlines(keepends=True),
                    fromfile=f"a/{label}/{name}", tofile=f"b/{label}/{name}"))
    return "".join(line if line.endswith("\n") else line + "\n" for line in out)


def group_changes(changes: Iterable[Change]) -> list[tuple[str, list[Change]]]:
    """Changes grouped by where they apply: the company base first, then each property."""
    groups: dict[tuple[bool, str], list[Change]] = {}
    for change in changes:
        groups.setdefault((change.scope is not None, change.scope_title), []).append(change)
    return [(title, items) for (_prop, title), items in sorted(groups.items(),
                                                                key=lambda kv: kv[0][0])]


def raw_diff_files(raw: str) -> list[tuple[str, str]]:
    """A raw diff split per file: (path as `rules/...`, that file's part of the diff)."""
    out: list[tuple[str, str]] = []
    # A file header is `--- a/…` directly followed by `+++ b/…` (a removed line reading
    # "-- a/x" alone would look like a header).
    for part in re.split(r"(?m)^(?=--- a/[^\n]*\n\+\+\+ b/)", raw):
        if part.startswith("--- a/"):
            path = part.split("\n", 1)[0].removeprefix("--- a/").strip()
            out.append((path, part))
    return out


def property_of_path(path: str) -> str | None:
    """The property a rule file belongs to (`rules/properties/<id>/...`), None for the company."""
    parts = path.split("/")
    if len(parts) > 2 and parts[0] == "rules" and parts[1] == "properties":
        return parts[2]
    return None
