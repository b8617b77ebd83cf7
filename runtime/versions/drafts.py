"""Drafts (working copies) and document control: 编制 → 审核 → 批准 → 发布.

A draft is a full copy of the live rules and forms under `<data>/drafts/<id>/`, plus
`draft.json` (state, base version, workflow history). Edits are saved file by file with the
hash the editor started from; if someone saved the same file in between, the save is refused
with both versions shown and the refused text is kept under `conflicts/` — nothing is lost.

Several app processes share the drafts folder, so every change of a draft (a file save, a
workflow step, a rebase) happens under the draft's inter-process lock and re-reads `draft.json`
from disk first: a change is appended to the history on disk, never written from a stale copy,
and `rev` counts the changes. A publish states the version the draft was based on; when another
version went live meanwhile, `rebase` merges the live changes into the draft (three-way, per
line), or lists the conflicts and changes nothing.

The workflow moves by roles the company rule names in `document-control`: drafters submit,
reviewers review, approvers approve and publish. Each step records person, role, time and comment.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from runtime.compiler import model as m
from runtime.compiler.pipeline import compiled as compile_tree
from runtime.errors import ConflictError, HandbookError, PermissionDenied, RuleError, RuleErrors
from runtime.versions.control import (
    Actor,
    ControlDenied,
    Scope,
    authorise,
    changed_scope,
    check_edit,
)
from runtime.versions.gate import blocking, full_check
from runtime.versions.locks import file_lock
from runtime.versions.merge import MergeConflict, merge_trees, tree_texts
from runtime.versions.tree import VersionInfo, VersionRepo

STATES = ("draft", "submitted", "reviewed", "approved", "published", "withdrawn")
# action → (state it needs, state it leads to, document-control duty that may do it)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "submit": (("draft",), "submitted", "drafters"),
    "review": (("submitted",), "reviewed", "reviewers"),
    "approve": (("reviewed",), "approved", "approvers"),
    "reject": (("submitted", "reviewed", "approved"), "draft", "reviewers|approvers"),
    "publish": (("approved",), "published", "approvers"),
    "withdraw": (("draft", "submitted", "reviewed", "approved"), "withdrawn", "drafters"),
}
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}$")
LOCK_NAME = ".lock"


def text_hash(text: str | bytes) -> str:
    """The hash an editor keeps to detect a concurrent save."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()[:16]


@dataclass
class Conflict(ConflictError):
    """Someone saved the file since you opened it: theirs, yours, and the diff between them."""

    path: str
    theirs: str
    yours: str
    saved_as: str
    diff: str = ""

    def __post_init__(self) -> None:
        super().__init__(f"{self.path} was changed by someone else; your text is kept as "
                         f"{self.saved_as}")


@dataclass
class RebaseConflicts(ConflictError):
    """The draft and the live version changed the same lines: nothing was merged."""

    base: int
    live: int
    conflicts: list[MergeConflict]
    saved: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        paths = sorted({c.path for c in self.conflicts})
        super().__init__(f"rebase onto version {self.live} stopped: {len(self.conflicts)} "
                         f"conflict(s) in {', '.join(paths)}; the live text is kept under "
                         f"conflicts/ — edit the draft, then rebase keeping the draft's text")


@dataclass
class Draft:
    """One working copy and its document-control state."""

    id: str
    root: Path
    title: str
    state: str
    base_version: int
    created_by: str
    created_at: str
    history: list[dict[str, Any]] = field(default_factory=list)
    published_version: int | None = None
    rev: int = 0

    @property
    def rules(self) -> Path:
        """The draft's rules directory."""
        return self.root / "rules"

    @property
    def forms(self) -> Path:
        """The draft's forms directory."""
        return self.root / "forms"

    def as_json(self) -> dict[str, Any]:
        """What draft.json stores."""
        return {"id": self.id, "title": self.title, "state": self.state,
                "base_version": self.base_version, "created_by": self.created_by,
                "created_at": self.created_at, "history": self.history,
                "published_version": self.published_version, "rev": self.rev}

    def refresh(self, other: Draft) -> None:
        """Take the state read from disk (so callers holding this object see the truth)."""
        self.title, self.state, self.base_version = other.title, other.state, other.base_version
        self.history, self.published_version, self.rev = (other.history, other.published_version,
                                                         other.rev)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class Drafts:
    """All drafts of a deployment, and the publish path into its VersionRepo."""

    def __init__(self, data_dir: Path | str, versions: VersionRepo | None = None) -> None:
        self.root = Path(data_dir) / "drafts"
        self.versions = versions or VersionRepo(data_dir)

    def _path(self, draft_id: str) -> Path:
        if not _ID.match(draft_id):
            raise HandbookError(f"bad draft id {draft_id!r}")
        return self.root / draft_id

    def create(self, title: str, by: str, draft_id: str | None = None,
               now: datetime | None = None) -> Draft:
        """A new working copy of the live version."""
        now = now or datetime.now()
        live = self.versions.current()
        draft_id = draft_id or now.strftime("d%Y%m%d-%H%M%S-") + text_hash(title + by)[:4]
        root = self._path(draft_id)
        with file_lock(self.root / LOCK_NAME):
            if root.exists():
                raise HandbookError(f"draft {draft_id} already exists")
            staging = root.with_name(f".{draft_id}.staging")
            shutil.rmtree(staging, ignore_errors=True)
            shutil.copytree(live.rules, staging / "rules")
            shutil.copytree(live.forms, staging / "forms")
            draft = Draft(draft_id, root, title, "draft", live.number, by,
                          now.isoformat(timespec="seconds"))
            draft.history.append({"action": "create", "by": by, "at": draft.created_at,
                                  "comment": title})
            _write_json(staging / "draft.json", draft.as_json())
            os.replace(staging, root)
        return draft

    def get(self, draft_id: str) -> Draft:
        """Load one draft (HandbookError when it does not exist)."""
        root = self._path(draft_id)
        try:
            data = json.loads((root / "draft.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise HandbookError(f"no draft {draft_id!r}") from exc
        return Draft(data["id"], root, data["title"], data["state"], data["base_version"],
                     data["created_by"], data["created_at"], data.get("history", []),
                     data.get("published_version"), int(data.get("rev", 0)))

    def _change(self, draft: Draft, change: Callable[[Draft], None]) -> Draft:
        """Apply `change` to the draft as it is on disk, under its lock, and write it back."""
        with file_lock(draft.root / LOCK_NAME):
            fresh = self.get(draft.id)
            change(fresh)
            fresh.rev += 1
            _write_json(draft.root / "draft.json", fresh.as_json())
        draft.refresh(fresh)
        return draft

    def all(self) -> list[Draft]:
        """Every draft, newest first."""
        if not self.root.is_dir():
            return []
        out = []
        for p in self.root.iterdir():
            if p.is_dir() and not p.name.startswith(".") and (p / "draft.json").exists():
                out.append(self.get(p.name))
        return sorted(out, key=lambda d: d.created_at, reverse=True)

    # ---- editing ---------------------------------------------------------------------------

    def _file(self, draft: Draft, rel: str) -> Path:
        path = (draft.root / rel).resolve()
        if not (path.is_relative_to(draft.rules.resolve())
                or path.is_relative_to(draft.forms.resolve())):
            raise PermissionDenied(f"{rel} is outside the draft's rules and forms")
        return path

    def read(self, draft: Draft, rel: str) -> tuple[str, str]:
        """A file's text and the hash to save against."""
        path = self._file(draft, rel)
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        return text, text_hash(text)

    def save(self, draft: Draft, rel: str, text: str, base_hash: str, by: str | Actor,
             now: datetime | None = None) -> str:
        """Save one file; Conflict (your text kept) if it changed since `base_hash`.

        `by` as an Actor (the app) is held to its scope of authority: a property's account
        saves only that property's files (ControlDenied otherwise).
        """
        path = self._file(draft, rel)
        now = now or datetime.now()
        actor = by if isinstance(by, Actor) else None
        by = by.name if isinstance(by, Actor) else by

        def write(fresh: Draft) -> None:
            if fresh.state != "draft":
                raise HandbookError(f"draft is {fresh.state}: reject it back to draft to edit")
            current = path.read_text(encoding="utf-8") if path.is_file() else ""
            if actor is not None:
                check_edit(actor, rel, current if path.is_file() else None, text)
            if text_hash(current) != base_hash:
                raise self._conflict(draft, rel, current, text, by, now)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            tmp.write_text(text, encoding="utf-8")
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, path)
            fresh.history.append({"action": "edit", "by": by, "file": rel,
                                  "at": now.isoformat(timespec="seconds")})

        self._change(draft, write)
        return text_hash(text)

    @staticmethod
    def _keep(draft: Draft, rel: str, text: str, by: str, now: datetime) -> Path:
        keep = draft.root / "conflicts" / (f"{rel.replace('/', '__')}.{by}."
                                           f"{now.strftime('%Y%m%d%H%M%S%f')}")
        keep.parent.mkdir(parents=True, exist_ok=True)
        keep.write_text(text, encoding="utf-8")
        return keep

    def _conflict(self, draft: Draft, rel: str, current: str, text: str, by: str,
                  now: datetime) -> Conflict:
        keep = self._keep(draft, rel, text, by, now)
        diff = "".join(difflib.unified_diff(
            current.splitlines(keepends=True), text.splitlines(keepends=True),
            fromfile=f"theirs/{rel}", tofile=f"yours/{rel}"))
        return Conflict(rel, current, text, str(keep.relative_to(draft.root)), diff)

    def check(self, draft: Draft) -> list[RuleError]:
        """The one check of the draft tree (`gate.full_check`): errors first, then warnings."""
        return full_check(draft.rules, draft.forms, self.versions.current())

    # ---- document control ------------------------------------------------------------------

    def act(self, draft: Draft, action: str, actor: Actor, comment: str = "",
            now: datetime | None = None, message: str | None = None) -> Draft:
        """Move the draft through the workflow; PermissionDenied for the wrong role or state."""
        if action not in TRANSITIONS:
            raise HandbookError(f"unknown action {action!r}")
        needs, leads_to, _duty = TRANSITIONS[action]
        now = now or datetime.now()

        def step(fresh: Draft) -> None:
            if fresh.state not in needs:
                raise ControlDenied("control.denied.state", action=action, state=fresh.state)
            live_view = self._live_view()
            # Separation of duties and scope of authority (runtime.versions.control).
            role = authorise(live_view.company.document_control, action, actor,
                             self.scope(fresh), fresh.history,
                             {r.id: r.title for r in live_view.roles.values()})
            entry: dict[str, Any] = {"action": action, "by": actor.name,
                                     "roles": list(actor.roles), "role": role,
                                     "name": actor.label, "property": actor.property,
                                     "at": now.isoformat(timespec="seconds"), "comment": comment}
            if action == "publish":
                info = self._publish(fresh, actor, message or comment or fresh.title, now)
                fresh.published_version = info.number
                entry["version"] = info.number
            elif action == "submit":
                errors = blocking(self.check(fresh))
                if errors:  # the same list the editor shows, each at its file and line
                    raise RuleErrors.of(errors)
            fresh.state = leads_to
            fresh.history.append(entry)

        return self._change(draft, step)

    def rebase(self, draft: Draft, by: str, *, keep_draft: Iterable[str] = (),
               now: datetime | None = None) -> Draft:
        """Merge what was published since the draft's base into it (RebaseConflicts: nothing
        changed). Files in `keep_draft` keep the draft's text where both sides changed them.

        A rebased draft that had moved on in the workflow goes back to 草稿: what reviewers saw
        is no longer what would be published.
        """
        now = now or datetime.now()
        keep = set(keep_draft)

        def merge(fresh: Draft) -> None:
            live = self.versions.current()
            if live.number == fresh.base_version:
                return
            if fresh.state not in ("draft", "submitted", "reviewed", "approved"):
                raise HandbookError(f"cannot rebase a draft that is {fresh.state}")
            base = self.versions.get(fresh.base_version)
            result = merge_trees(tree_texts(base.rules, base.forms),
                                 tree_texts(fresh.rules, fresh.forms),
                                 tree_texts(live.rules, live.forms))
            open_conflicts = [c for c in result.conflicts if c.path not in keep]
            if open_conflicts:
                saved = [str(self._keep(fresh, c.path, c.theirs, f"live-v{live.number}", now)
                             .relative_to(fresh.root)) for c in open_conflicts]
                raise RebaseConflicts(fresh.base_version, live.number, open_conflicts, saved)
            for rel, text in result.files.items():
                target = self._file(fresh, rel)
                if text is None:
                    target.unlink(missing_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
                tmp.write_text(text, encoding="utf-8")
                os.replace(tmp, target)
            fresh.history.append({
                "action": "rebase", "by": by, "at": now.isoformat(timespec="seconds"),
                "comment": f"{fresh.base_version} → {live.number}",
                "files": sorted(result.files), "kept": sorted(keep)})
            fresh.base_version = live.number
            if fresh.state != "draft":
                fresh.state = "draft"

        return self._change(draft, merge)

    def _live_view(self) -> m.Handbook:
        # Document control follows the live rules, never the draft's own (a draft cannot
        # grant itself the right to be approved).
        live = self.versions.current()
        view = compile_tree(live.rules, live.forms).views.get(None)
        if view is None:
            raise HandbookError("the live rules have no company rule")
        return view

    def _control(self) -> m.DocumentControl:
        return self._live_view().company.document_control

    def scope(self, draft: Draft) -> Scope:
        """What the draft changes against the live version and which properties it affects."""
        live = self.versions.current()
        props = self._live_view().properties
        draft_view = compile_tree(draft.rules, draft.forms).views.get(None)
        names = set(props) | set(draft_view.properties if draft_view else ())
        return changed_scope(live.rules, live.forms, draft.rules, draft.forms, names)

    def _publish(self, draft: Draft, actor: Actor, message: str, now: datetime) -> VersionInfo:
        approvals = [
            {"action": h["action"], "by": h["by"], "at": h["at"], "comment": h.get("comment", ""),
             "name": h.get("name") or h["by"], "role": h.get("role", "")}
            for h in draft.history if h["action"] in ("submit", "review", "approve")
        ]
        # Based on the draft's base version: if another publish went live since, StaleBase.
        return self.versions.publish(draft.rules, draft.forms, message=message, by=actor.name,
                                     base=draft.base_version, approvals=approvals, now=now)


def holders(users: Iterable[dict[str, Any]], role: str, prop: str | None) -> list[str]:
    """User names holding `role` at property `prop` (None: at any property)."""
    out = []
    for u in users:
        if role in (u.get("roles") or []) and (prop is None or u.get("property") in (prop, None)):
            out.append(str(u.get("username") or u.get("name")))
    return out
