"""Import a handbook's text (plain text or .docx) into draft rules for review.

    result = preview(text, kind="auto", property=None)
    result.drafts        # {"roles/customer-assistant.yaml": "<YAML text>", ...}
    result.roles         # parsed roles as plain data (title, id, duties with spans) for a preview
    result.unplaced      # passages not placed in any draft, with line:col and a reason
    errors = validate(result)   # `handbook check` errors the drafts would cause, [] when clean

The pipeline: read → segment (headings, numbered items) → extract roles / procedures /
schedules (phrases → canonical durations, recurrences, targets; 《…》 → forms) → render YAML
drafts → account for every character (placed, layout or reported).
"""

from __future__ import annotations

import copy
import io
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from runtime.errors import HandbookError, RuleError
from runtime.importer.chapters import extract_chapters
from runtime.importer.control import extract_control
from runtime.importer.core import Context, Document, LineIndex, Passage
from runtime.importer.forms import draft_form
from runtime.importer.naming import Registry
from runtime.importer.normalise import (
    Restorer,
    blank,
    converter_missing,
    find_noise,
    to_simplified,
)
from runtime.importer.procedures import (
    extract_inline_procedures,
    extract_procedure,
    extract_titled_procedures,
    looks_like_procedure,
)
from runtime.importer.roles import extract_roles, find_role_headings, stand_in_roles
from runtime.importer.schedules import extract_schedule, looks_like_calendar
from runtime.importer.segment import Node, segment
from runtime.importer.staffing import extract_staffing
from runtime.importer.writer import DEFAULT_PLACEMENT, SUBDIR, file_name, render, write

__all__ = [
    "KINDS",
    "ImportFailed",
    "ImportResult",
    "Kind",
    "preview",
    "read_bytes",
    "read_source",
    "registry_for",
    "validate",
    "write_drafts",
]

Kind = Literal["role", "procedure", "schedule", "auto"]
KINDS: tuple[str, ...] = ("role", "procedure", "schedule", "auto")
MAX_BYTES = 5_000_000


class ImportFailed(HandbookError):
    """The source cannot be imported (unreadable file, unknown property, bad kind)."""


@dataclass
class ImportResult:
    """What an import produced: structure, drafts, and every passage it could not place."""

    kind: str  # what was found: role, procedure, schedule, mixed or none
    structure: list[dict[str, Any]]  # headings and items as parsed, with spans
    placements: list[dict[str, Any]]  # source span → rule kind, id and key path it went to
    roles: list[dict[str, Any]]
    procedures: list[dict[str, Any]]
    schedules: list[dict[str, Any]]
    drafts: dict[str, str]  # draft file name (roles/x.yaml) → YAML text
    documents: list[Document]
    unplaced: list[Passage]
    notes: list[Passage]
    coverage: dict[str, int]
    property: str | None = None
    effective: date = field(default_factory=date.today)
    text: str = ""  # the source as parsed (\r\n → \n): every offset points into it
    placed_mask: bytes = b""  # per character of `text`: 1 when it went into a draft
    document_control: dict[str, str | None] = field(default_factory=dict)

    def segments(self) -> list[dict[str, Any]]:
        """The whole source cut into consecutive runs for a side-by-side view.

        Each run: {start, end, line, col, text, status: placed|unplaced|layout, file, path,
        reason}; `file`/`path` say which draft and key a placed run went to, `reason` why an
        unplaced one did not. The runs' texts concatenate to the source exactly.
        """
        n = len(self.text)
        label: list[tuple[str, str, str, str]] = [("layout", "", "", "")] * n
        for p in sorted(self.placements, key=lambda p: p["start"] - p["end"]):
            # Longest first, so the inner span (a duty inside a section) wins.
            for i in range(p["start"], min(p["end"], n)):
                label[i] = ("placed", p["file"], p["path"], "")
        for u in self.unplaced:
            for i in range(u.start, min(u.end, n)):
                label[i] = ("unplaced", "", "", u.reason)
        lines = LineIndex(self.text)
        out: list[dict[str, Any]] = []
        i = 0
        while i < n:
            j = i
            while j < n and label[j] == label[i]:
                j += 1
            status, file, path, reason = label[i]
            pos = lines.at(i)
            out.append({"start": i, "end": j, "line": pos.line, "col": pos.col,
                        "text": self.text[i:j], "status": status, "file": file or None,
                        "path": path or None, "reason": reason or None})
            i = j
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready) for the CLI's --format json and the app."""
        return {
            "kind": self.kind,
            "structure": self.structure,
            "placements": self.placements,
            "roles": self.roles,
            "procedures": self.procedures,
            "schedules": self.schedules,
            "drafts": self.drafts,
            "unplaced": [p.as_dict() for p in self.unplaced],
            "notes": [p.as_dict() for p in self.notes],
            "coverage": self.coverage,
        }


def _node_data(text: str, node: Node, lines: Any) -> dict[str, Any]:
    pos = lines.at(node.start)
    return {
        "type": node.kind,
        "marker": node.marker(text),
        "number": node.number,
        "title": node.title(text),
        "text": node.body(text),
        "start": node.start,
        "end": node.subtree_end,
        "line": pos.line,
        "col": pos.col,
        "children": [_node_data(text, c, lines) for c in node.children],
    }


def registry_for(rules_dir: Path | str | None = None,
                 forms_dir: Path | str | None = None,
                 property: str | None = None) -> Registry:
    """Ids and titles of the target tree (the shipped rules/ and forms/ by default).

    Every id of every view is taken (a draft must not collide anywhere), but only the rules
    the drafts' own view sees (company, plus `property`'s) may be referenced by title.
    """
    from runtime.compiler.pipeline import DEFAULT_FORMS, DEFAULT_RULES, compiled

    reg = Registry()
    result = compiled(rules_dir or DEFAULT_RULES, forms_dir or DEFAULT_FORMS)
    attrs = {"role": "roles", "procedure": "procedures", "schedule": "schedules",
             "form": "forms", "calendar": "calendars", "training": "trainings"}
    for scope, view in result.views.items():
        visible = scope is None or scope == property
        for kind, attr in attrs.items():
            for rid, obj in getattr(view, attr).items():
                reg.taken.setdefault(kind, set()).add(rid)
                if not visible:
                    continue
                if kind == "role":
                    reg.tree_roles.setdefault(obj.title, rid)
                elif kind == "form":
                    reg.tree_forms.setdefault(obj.title, rid)
        if visible:
            for dep in view.company.departments:
                reg.departments.setdefault(dep.title, dep.id)
            if view.property is not None:
                for dep in view.property.departments:
                    reg.departments.setdefault(dep.title, dep.id)
    reg.taken.setdefault("property", set()).update(p for p in result.views if p)
    return reg


def preview(
    text: str,
    kind: str = "auto",
    property: str | None = None,
    *,
    rules_dir: Path | str | None = None,
    forms_dir: Path | str | None = None,
    effective: date | None = None,
    source: str = "",
    progress: Callable[[str, float], None] | None = None,
) -> ImportResult:
    """Parse handbook text into draft rules without writing anything (the app's preview).

    `kind` narrows what is extracted (role, procedure, schedule; auto finds out). `property`
    scopes the drafts to a management office. Never raises on odd text: what cannot be placed
    is returned in `unplaced` with its position. `progress(stage, share)` is called as each
    stage starts (the app's progress bar on long files).
    """

    def step(stage: str, share: float) -> None:
        if progress is not None:
            progress(stage, share)

    if kind not in KINDS:
        raise ImportFailed(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")
    registry = registry_for(rules_dir, forms_dir, property)
    if property and property not in registry.taken.get("property", set()):
        raise ImportFailed(f"unknown property {property!r}")
    step("normalise", 0.05)
    original = text.replace("\r\n", "\n").replace("\r", "\n")
    # Recognise on Simplified text with the noise blanked; offsets are the source's.
    simplified = to_simplified(original)
    noise = find_noise(simplified)
    text = blank(simplified, noise)
    ctx = Context(text, registry, property, source=original)
    identifiers = extract_control(ctx)
    if converter_missing(original):
        ctx.note(0, 0, "the text looks Traditional Chinese but OpenCC is not installed "
                 "(pip install opencc-python-reimplemented): it is read as Simplified only")
    step("segment", 0.2)
    doc = segment(text)
    headings = [n for n in doc.walk() if n.kind == "heading"]
    for i, node in enumerate(headings):
        title = node.title(text)
        toc = (not node.children and not node.body(text)
               and any(later.title(text) == title for later in headings[i + 1:]))
        why = ("table of contents entry (its chapter follows)" if toc else
               f"section {title or node.marker(text)!r}: not a role, procedure or schedule")
        ctx.coverage.explain(node.start, node.subtree_end, why)
    for a, b in doc.strays:
        ctx.coverage.explain(a, b, "stray digits glued to an item number (a page number?)")
    found: list[str] = []
    roles: list[dict[str, Any]] = []
    procedures: list[dict[str, Any]] = []
    schedules: list[dict[str, Any]] = []
    # Role chapters and procedures often say 每日/每月 on most lines too: they come first.
    calendar_like = (looks_like_calendar(text) and not find_role_headings(text, doc)
                     and not looks_like_procedure(text, doc))
    if kind == "schedule" or (kind == "auto" and calendar_like):
        sched = extract_schedule(ctx)
        if sched:
            schedules.append(sched)
            found.append("schedule")
    step("roles", 0.4)
    if kind == "role" or (kind == "auto" and not schedules):
        # Line by line when the text has lines; a text copied as one long line (out of a
        # PDF or a web page) goes through the heading segmentation instead.
        ctx, parsed = _best_roles(ctx, doc)
        parsed += extract_staffing(ctx)
        for r in parsed:
            roles.append({"id": r.id, "title": r.title, "start": r.start, "end": r.end,
                          "summary": r.summary, "reports_to": r.reports_to,
                          "duties": r.duties, "work_content": r.work_content,
                          "routine": r.routine, **r.extra})
        if roles:
            found.append("role")
    step("procedures", 0.6)
    if kind == "procedure" or (kind == "auto" and not schedules
                               and looks_like_procedure(text, doc)):
        proc = extract_procedure(ctx, doc)
        if proc:
            procedures.append(proc)
            found.append("procedure")
    if kind in ("procedure", "auto") and not schedules:
        inline = extract_inline_procedures(ctx, doc) + extract_titled_procedures(ctx)
        procedures.extend(inline)
        if inline and "procedure" not in found:
            found.append("procedure")
    for fid, title in ctx.forms.created.items():
        ctx.documents.append(Document("form", fid, title, draft_form(title),
                                      ["stand-in: a form the source names, fields to be added"]))
    stand_in_roles(ctx)
    bodies = {d.id: d.body for d in ctx.documents if d.kind == "role"}
    for shown in roles:
        shown["headcount"] = bodies.get(shown["id"], {}).get("headcount")
    for n in noise:
        ctx.coverage.unplace(n.start, n.end, n.reason)
    restore = Restorer(original, text)
    for d in ctx.documents:
        d.title = _tidy(restore(d.title))
        d.body = _restored(d.body, restore)
        d.control = dict(ctx.document_control)
        if identifiers and "description" not in d.body:
            d.body["description"] = "; ".join(f"{k}: {v}" for k, v in identifiers.items())
    for view in (*roles, *procedures, *schedules):
        view.update(_restored({k: v for k, v in view.items() if k in _SHOWN}, restore))
    step("drafts", 0.85)
    eff = effective or date.today()
    drafts = {file_name(d): render(d, property, eff, DEFAULT_PLACEMENT[d.kind], source)
              for d in ctx.documents}
    lines = ctx.coverage.lines
    step("done", 1.0)
    return ImportResult(
        kind="mixed" if len(found) > 1 else found[0] if found else "none",
        structure=[_node_data(text, n, lines) for n in doc.roots],
        placements=[{**p, "file": f"{SUBDIR[p['kind']]}/{p['id']}.yaml"
                     if p["kind"] in SUBDIR else "*"}
                    for p in sorted(ctx.placements, key=lambda p: p["start"])],
        roles=roles,
        procedures=procedures,
        schedules=schedules,
        drafts=drafts,
        documents=list(ctx.documents),
        unplaced=ctx.coverage.unplaced(),
        notes=sorted(ctx.notes, key=lambda n: n.start),
        coverage=ctx.coverage.counts(),
        property=property,
        effective=eff,
        text=original,
        placed_mask=bytes(ctx.coverage.placed),
        document_control=dict(ctx.document_control),
    )


def _best_roles(ctx: Context, doc: Any) -> tuple[Context, list[Any]]:
    """Role chapters read line by line, or by heading segmentation: whichever finds more.

    Texts differ: a handbook typed in Word has a line per heading and item, a compilation
    copied out of web pages has whole chapters on one line. Both readers run on copies of the
    import's state and the one that finds more numbered entries wins (line by line on a tie,
    for a multi-line text); its state becomes the import's.
    """
    trials = []
    for reader in ("chapters", "segments"):
        trial = copy.deepcopy(ctx)
        parsed = extract_chapters(trial) if reader == "chapters" else extract_roles(trial, doc)
        entries = sum(len(r.duties) + len(r.work_content) + len(r.routine) for r in parsed)
        trials.append((entries, len(parsed), reader == "chapters", trial, parsed))
    multi_line = sum(1 for line in ctx.text.split("\n") if line.strip()) >= 2
    best = max(trials, key=lambda t: (t[0], t[1], t[2] == multi_line))
    return best[3], best[4]


_SHOWN = ("title", "summary", "duties", "work_content", "routine")


def _tidy(value: str) -> str:
    """A value without the blanks left where noise was cut out (a page header mid-duty)."""
    if "\n" not in value and "   " not in value:
        return value
    return re.sub(r"[ \t\u3000]*\n\s*|[ \t\u3000]{3,}", lambda m: "\n" if "\n" in m.group(0)
                  else " ", value).strip()


def _restored(value: Any, restore: Restorer) -> Any:
    """Every string inside `value` back in the source's characters (Traditional stays so)."""
    if isinstance(value, str):
        return _tidy(restore(value))
    if isinstance(value, list):
        return [_restored(v, restore) for v in value]
    if isinstance(value, dict):
        return {k: v if k in _KEEP else _restored(v, restore) for k, v in value.items()}
    return value


# Keys whose values are ids, canonical time text or numbers: never source text.
_KEEP = frozenset({"id", "reports-to", "department", "level", "schedule", "time-limit", "forms",
                   "form", "roles", "role", "next", "to", "procedures", "recurrence", "owner",
                   "after", "delay", "retention", "start", "end", "no", "label", "step",
                   "event", "terminal", "reports_to"})


def read_source(path: Path | str) -> str:
    """The text of a .txt (UTF-8, else GB18030) or .docx file (paragraphs and table rows)."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise ImportFailed(f"{p} is larger than {MAX_BYTES // 1_000_000} MB")
        raw = p.read_bytes()
    except OSError as exc:
        raise ImportFailed(f"cannot read {p}: {exc.strerror or exc}") from exc
    return read_bytes(raw, p.name)


def read_bytes(data: bytes, name: str) -> str:
    """The text of an uploaded file's bytes; `name` decides .docx or text (for the app)."""
    if len(data) > MAX_BYTES:
        raise ImportFailed(f"{name} is larger than {MAX_BYTES // 1_000_000} MB")
    if name.lower().endswith(".docx"):
        return _read_docx(data, name)
    if b"\x00" in data[:8192]:
        # Text never holds NUL bytes; an old .doc, a PDF or an image does (and GB18030 would
        # "decode" it into nonsense rather than fail).
        raise ImportFailed(f"{name} is not a text file (save Word documents as .docx or .txt)")
    for encoding in ("utf-8-sig", "gb18030"):
        # Chinese Windows tools still save text as GBK; GB18030 is its superset.
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFailed(f"{name} is neither UTF-8 nor GB18030 text")


def _read_docx(data: bytes, name: str) -> str:
    try:
        import docx
        from docx.table import Table
    except ModuleNotFoundError as exc:  # pragma: no cover - python-docx is a dependency
        raise ImportFailed("reading .docx needs python-docx (pip install python-docx)") from exc
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several types for a broken package
        raise ImportFailed(f"{name} is not a readable .docx file: {exc}") from exc
    lines: list[str] = []
    counters: dict[tuple[str, int], int] = {}
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            # One line per row, cells separated by tabs: a work calendar table reads as lines.
            for row in block.rows:
                cells = [" ".join(c.text.split()) for c in row.cells]
                deduped = [c for i, c in enumerate(cells) if i == 0 or c != cells[i - 1]]
                lines.append("\t".join(deduped))
        else:
            lines.append(_list_marker(block, counters) + block.text)
    return "\n".join(lines)


_ITEM_MARKER = re.compile(r"^\s*(?:\d{1,3}[、.．)）]|[(（]\d{1,3}[)）]|[①-⑳])")


def _list_marker(paragraph: Any, counters: dict[tuple[str, int], int]) -> str:
    """The number Word draws before an auto-numbered paragraph (it is not in the text).

    Rebuilt by counting per list and level, as Word does: level 0 as `N、`, level 1 as `(N)`,
    deeper as ①. A paragraph that already starts with a typed number gets nothing.
    """
    num_pr = None
    p_pr = paragraph._p.pPr
    if p_pr is not None and p_pr.numPr is not None:
        num_pr = p_pr.numPr
    else:
        style = paragraph.style
        while style is not None and num_pr is None:
            s_pr = style.element.pPr
            num_pr = s_pr.numPr if s_pr is not None else None
            style = style.base_style
    if num_pr is None or num_pr.numId is None or num_pr.numId.val == 0:
        return ""
    if _ITEM_MARKER.match(paragraph.text) or not paragraph.text.strip():
        return ""
    list_id = str(num_pr.numId.val)
    level = int(num_pr.ilvl.val) if num_pr.ilvl is not None else 0
    n = counters.get((list_id, level), 0) + 1
    counters[(list_id, level)] = n
    for key in [k for k in counters if k[0] == list_id and k[1] > level]:
        del counters[key]  # a new item restarts the levels below it
    if level == 0:
        return f"{n}、"
    if level == 1:
        return f"({n})"
    return chr(0x2460 + n - 1) if n <= 20 else f"{n})"


def write_drafts(result: ImportResult, out: Path | str, source: str = "") -> list[Path]:
    """Write the drafts under `out` (roles/, procedures/, schedules/, forms/)."""
    return write(result.documents, Path(out), result.property, result.effective, source)


def validate(result: ImportResult, rules_dir: Path | str | None = None,
             forms_dir: Path | str | None = None) -> list[RuleError]:
    """The `handbook check` errors the drafts add to a copy of the tree ([] when they pass)."""
    from runtime.compiler.pipeline import DEFAULT_FORMS, DEFAULT_RULES, compile_tree, compiled

    rules = Path(rules_dir or DEFAULT_RULES)
    forms = Path(forms_dir or DEFAULT_FORMS)
    with tempfile.TemporaryDirectory(prefix="handbook-import-") as tmp:
        root = Path(tmp)
        shutil.copytree(rules, root / "rules")
        if forms.is_dir():
            shutil.copytree(forms, root / "forms")
        else:
            (root / "forms").mkdir()
        if rules.name == "rules" and forms.name == "forms" and rules.parent == forms.parent:
            # Same layout as the copy, so the same file names: the cached compile will do.
            before = {_key(e) for e in compiled(rules, forms).errors}
        else:
            before = {_key(e) for e in compile_tree(root / "rules", root / "forms").errors}
        for doc in result.documents:
            folder = root / DEFAULT_PLACEMENT[doc.kind]
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{doc.id}.yaml").write_text(
                render(doc, result.property, result.effective, folder), encoding="utf-8")
        after = compile_tree(root / "rules", root / "forms").errors
    return [e for e in after if _key(e) not in before and e.severity == "error"]


def _key(e: RuleError) -> tuple[str, int, int, str, str]:
    return (e.file, e.line, e.col, e.code, e.message)
