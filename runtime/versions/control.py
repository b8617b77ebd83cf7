"""Document control rules (编制 / 审核 / 批准): who may do which step of which draft.

Pure decisions over a draft's history, the files it changes and the company rule's
`document-control`; `runtime.versions.drafts` calls them before it changes anything.

- Separation of duties: the person who drafted (edited or submitted) cannot review or approve
  the same draft, and the reviewer cannot approve it, unless they hold a role the company rule
  names in `document-control.may-combine`.
- Scope of authority: a property's account may change only that property's files (its
  `rules/properties/<id>/…` and forms declaring `property: <id>`); a draft that changes company
  rules is reviewed and approved from company-level accounts holding the roles of
  `document-control.company-rules` (or, where those are not named, the general lists).

Every refusal is a `ControlDenied` carrying an i18n key and values, so the app says why in
the user's language; its English text is the exception message.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runtime.compiler import model as m
from runtime.compiler.loader import load_text
from runtime.errors import PermissionDenied
from runtime.i18n import t
from runtime.versions.tree import rule_files

# action → the step it is (for the separation of duties), or None (no separation)
STEP_OF = {"submit": "draft", "review": "review", "approve": "approve", "publish": "approve",
           "reject": None, "withdraw": None}


class ControlDenied(PermissionDenied):
    """A document-control refusal with its reason as an i18n key (`control.denied.*`)."""

    def __init__(self, key: str, **params: Any) -> None:
        self.key = key
        self.params = params
        super().__init__(self.text("en"))

    def text(self, lang: str) -> str:
        """The reason in `lang` (the action named in that language too)."""
        values = dict(self.params)
        if "action" in values:
            values["action"] = t(f"control.action.{values['action']}", lang)
        return t(self.key, lang, **values)


@dataclass(frozen=True)
class Actor:
    """Who acts: account name, rule roles, property (None: company level) and display name."""

    name: str
    roles: tuple[str, ...]
    property: str | None = None
    display: str = ""

    @builtins.property  # the field `property` shadows the builtin inside this class
    def label(self) -> str:
        """The display name, else the account name."""
        return self.display or self.name


@dataclass(frozen=True)
class Scope:
    """What a draft changes: files, whether company rules, and the properties it affects."""

    files: tuple[str, ...] = ()
    company: bool = False
    properties: tuple[str, ...] = ()  # every property whose rules change (all for company)
    owners: frozenset[str | None] = field(default_factory=frozenset)  # None = company


def file_owner(rel: str, text: str | None) -> str | None:
    """The property a rule file belongs to (None: the company), by path, then `property:`."""
    parts = rel.split("/")
    if len(parts) > 2 and parts[0] == "rules" and parts[1] == "properties":
        return parts[2]
    if text:
        data, _error = load_text(text, rel)
        if data is not None and isinstance(data.get("property"), str):
            return str(data["property"])
    return None


def _read(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def changed_scope(live_rules: Path, live_forms: Path, rules: Path, forms: Path,
                  all_properties: Iterable[str]) -> Scope:
    """The files a tree changes against the live one, and whom the change affects."""
    old, new = rule_files(live_rules, live_forms), rule_files(rules, forms)
    files: list[str] = []
    owners: set[str | None] = set()
    for rel in sorted(set(old) | set(new)):
        before, after = _read(old.get(rel)), _read(new.get(rel))
        if before == after:
            continue
        files.append(rel)
        # A file moved between owners concerns both (a company form made a property's).
        owners.add(file_owner(rel, after) if after is not None else file_owner(rel, before))
        if before is not None:
            owners.add(file_owner(rel, before))
    company = None in owners
    everyone = sorted(all_properties)
    props = everyone if company else sorted(p for p in owners if p is not None)
    return Scope(tuple(files), company, tuple(props), frozenset(owners))


def check_edit(actor: Actor, rel: str, old_text: str | None, new_text: str) -> None:
    """A property's account may change only that property's files (ControlDenied)."""
    if actor.property is None:
        return
    for text in (old_text, new_text):
        if text is None:
            continue
        owner = file_owner(rel, text)
        if owner != actor.property:
            raise ControlDenied(
                "control.denied.scope_company" if owner is None else "control.denied.scope_other",
                user=actor.label, file=rel, property=actor.property, owner=owner or "")


def _people(history: Sequence[Mapping[str, Any]]) -> dict[str, set[str]]:
    """Who did which step so far: drafters (edits and submits), reviewers, approvers."""
    out: dict[str, set[str]] = {"draft": set(), "review": set(), "approve": set()}
    for h in history:
        action = str(h.get("action", ""))
        who = str(h.get("by", ""))
        if action in ("edit", "submit"):
            out["draft"].add(who)
        elif action == "review":
            out["review"].add(who)
        elif action in ("approve", "publish"):
            out["approve"].add(who)
    return out


def duty_roles(control: m.DocumentControl, action: str, scope: Scope) -> tuple[str, ...]:
    """The roles that may do `action` on a draft of this scope."""
    company = scope.company
    if action == "submit" or action == "withdraw":
        return control.drafters
    if action == "review":
        return (control.company_reviewers or control.reviewers) if company else control.reviewers
    if action in ("approve", "publish"):
        return (control.company_approvers or control.approvers) if company else control.approvers
    if action == "reject":
        if company:
            return tuple(dict.fromkeys((*(control.company_reviewers or control.reviewers),
                                        *(control.company_approvers or control.approvers))))
        return tuple(dict.fromkeys((*control.reviewers, *control.approvers)))
    return ()


def authorise(control: m.DocumentControl, action: str, actor: Actor, scope: Scope,
              history: Sequence[Mapping[str, Any]], role_title: Mapping[str, str] | None = None,
              ) -> str:
    """The role under which `actor` may do `action`; ControlDenied with the reason otherwise."""
    # Separation of duties first: "you drafted this" is the reason that matters most.
    step = STEP_OF.get(action)
    if step is not None and not set(actor.roles) & set(control.may_combine):
        people = _people(history)
        earlier = {"draft": (), "review": ("draft",), "approve": ("draft", "review")}[step]
        for before in earlier:
            if actor.name in people[before]:
                raise ControlDenied(f"control.denied.same_person.{before}", user=actor.label,
                                    action=action)
    titles = role_title or {}
    allowed = duty_roles(control, action, scope)
    held = [r for r in allowed if r in actor.roles]
    names = "、".join(titles.get(r, r) for r in allowed) or "—"
    if not held:
        key = "control.denied.company_role" if scope.company and action in (
            "review", "approve", "publish", "reject") else "control.denied.role"
        raise ControlDenied(key, user=actor.label, action=action, roles=names)
    # Scope of authority: company changes are decided at company level; a property's account
    # acts only on drafts that change nothing but its own property.
    if actor.property is not None:
        if scope.company and action in ("review", "approve", "publish", "reject"):
            raise ControlDenied("control.denied.company_level", user=actor.label,
                                action=action, property=actor.property)
        others = [p for p in scope.owners if p is not None and p != actor.property]
        if others or (scope.company and action == "submit"):
            raise ControlDenied("control.denied.other_property", user=actor.label,
                                action=action, properties="、".join(sorted(
                                    str(p) for p in scope.owners if p != actor.property)
                                    or ["company"]))
    return held[0]
