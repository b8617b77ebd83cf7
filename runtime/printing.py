"""Printed documents: a form (blank or with a record) as an A4 HTML print view and as a PDF.

Both outputs are built from one print model (`build_document`), so they show the same content:
property name, form title and version, record number, every section's fields as a register
table (repeatable rows as sub-tables), signature boxes from the form's `print.signatures`, and
the print date. A blank form prints empty boxes and lines for paper fallback days.

Templates are Jinja2 in a sandbox with HTML autoescape on; record values are only ever passed
as data, never compiled, so `{{ }}` or `<script>` typed into a field prints as inert text.
Control characters are shown as visible symbols (␀, ␛ …) instead of being emitted raw.
"""

from __future__ import annotations

import functools
import io
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from jinja2 import BaseLoader, ChoiceLoader, StrictUndefined, TemplateNotFound
from jinja2.sandbox import SandboxedEnvironment

from runtime.compiler.model import Form, Handbook
from runtime.compiler.sandbox import (
    TEMPLATE_LIMITS,
    BoundedTemplateEnvironment,
    bounded,
    render_bounded,
)
from runtime.errors import HandbookError, LimitExceeded
from runtime.forms.attachments import attachment_name
from runtime.forms.defaults import local_now
from runtime.forms.spec import FieldSpec, FormSpec, form_spec
from runtime.forms.state import FormState, evaluate, rows_of
from runtime.i18n import pick, t
from runtime.masking import mask_data, mask_value

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BASE_TEMPLATE_DIR = PROJECT_ROOT / "forms" / "templates"
BASE_TEMPLATE = "_register.html.j2"

BOX_ON, BOX_OFF = "■", "□"  # both exist in the PDF's STSong-Light font and in every browser
BLANK_ROWS = 5  # empty rows a blank repeatable-rows table offers for handwriting
# A blank date / time prints a line to fill in by hand (text from the catalog, per language).
BLANK_FILL_KINDS = ("datetime", "date", "time")


class PrintError(HandbookError):
    """A print template is missing or broken."""


# ---------------------------------------------------------------- safe text

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Lone surrogates (\ud800-\udfff) cannot be encoded at all: validation refuses them at input,
# and a record that holds one anyway (older data, an import) prints them as `[U+D800]`.
_INVISIBLE = re.compile(r"[\x80-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u206f\ufeff"
                        r"\ufff9-\ufffb\ud800-\udfff]")


def printable(text: str) -> str:
    """Text safe to print: control characters become visible symbols (␀ ␛ …), and invisible
    or direction-changing characters become `[U+202E]`, so nothing typed can hide or reorder
    what the paper shows. Newlines and tabs stay."""
    text = _CONTROL.sub(lambda m: "␡" if m[0] == "\x7f" else chr(0x2400 + ord(m[0])), text)
    return _INVISIBLE.sub(lambda m: f"[U+{ord(m[0]):04X}]", text)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    try:
        if isinstance(value, int | float):
            return str(value)
        return json.dumps(value, ensure_ascii=False, default=str)
    except (ValueError, TypeError, RecursionError):  # huge ints, odd objects: still print
        return repr(type(value))


# ---------------------------------------------------------------- print model


@dataclass
class PrintTable:
    """A repeatable-rows field as a sub-table: column titles and printable cells."""

    columns: list[str]
    rows: list[list[str]]
    blank: bool


@dataclass
class PrintField:
    """One field as it prints."""

    name: str
    path: str
    title: str
    kind: str
    display: str  # printable text of the value ('' when empty)
    blank: bool
    lines: int = 1  # handwriting lines left when blank
    options: list[tuple[str, bool]] = field(default_factory=list)  # choice boxes
    unit: str | None = None
    table: PrintTable | None = None
    children: list[PrintField] = field(default_factory=list)

    @property
    def boxes(self) -> str:
        """Choice boxes as text: `■ 电话  □ 面谈`."""
        return "  ".join(f"{BOX_ON if on else BOX_OFF} {label}" for label, on in self.options)


@dataclass
class PrintSection:
    """A section of the register."""

    id: str
    title: str
    fields: list[PrintField]


@dataclass
class PrintDocument:
    """Everything a printed form shows; both the HTML and the PDF are drawn from this."""

    form_id: str
    form_title: str
    form_version: str
    property_title: str
    number: str
    created_at: str
    created_by: str
    status: str
    void: bool
    blank: bool
    orientation: str
    sections: list[PrintSection]
    signatures: list[str]
    printed_at: str
    lang: str
    labels: dict[str, str]
    chrome_lang: str = ""  # language of the printed chrome: zh-Hant for `script: hant`

    @property
    def fields(self) -> list[PrintField]:
        """Every top-level field, in order (handy for simple templates)."""
        return [f for s in self.sections for f in s.fields]

    @property
    def lang_tag(self) -> str:
        """The HTML `lang` attribute."""
        if self.chrome_lang == "zh-Hant":
            return "zh-Hant"
        return "zh-CN" if self.lang == "zh" else "en"


def chrome_lang(hb: Handbook | None, lang: str) -> str:
    """The language of the printed chrome (第 1 页, 打印时间): Traditional Chinese when the
    property declares `script: hant` and the print is in Chinese, else `lang`."""
    prop = hb.property if hb is not None else None
    if lang == "zh" and prop is not None and prop.script == "hant":
        return "zh-Hant"
    return lang


def _display_datetime(value: str) -> str:
    if re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", value):
        return value[:10] + " " + value[11:16]
    return value


def _blank_lines(spec: FieldSpec) -> int:
    if spec.print_lines:
        return max(1, min(spec.print_lines, 20))  # rows fields use it as a row count
    if spec.kind in ("textarea", "lines"):
        return 3
    return 1


def _scalar_display(spec: FieldSpec, value: Any, lang: str) -> str:
    kind = spec.value_kind
    if kind == "yesno" and isinstance(value, bool):
        return t("print.yes" if value else "print.no", lang)
    if kind == "choice":
        return spec.option_label(value, lang) if isinstance(value, str | int | float) else \
            _as_text(value)
    if kind == "multichoice" and isinstance(value, list):
        return "、".join(spec.option_label(v, lang) if isinstance(v, str | int | float)
                        else _as_text(v) for v in value)
    if kind == "lines" and isinstance(value, list):
        return "\n".join(_as_text(v) for v in value)
    if kind == "file":
        items = value if isinstance(value, list) else [value]
        return "、".join(_file_name(v) for v in items)
    if kind == "datetime" and isinstance(value, str):
        return _display_datetime(value)
    text = _as_text(value)
    if spec.unit and text and kind in ("integer", "number"):
        text = f"{text} {spec.unit}"
    return text


def _file_name(value: Any) -> str:
    if isinstance(value, Mapping | str):
        return attachment_name(value)
    return _as_text(value)


def _options(spec: FieldSpec, value: Any, lang: str) -> list[tuple[str, bool]]:
    kind = spec.value_kind
    if kind == "yesno":
        return [(t("print.yes", lang), value is True), (t("print.no", lang), value is False)]
    if kind == "choice" and spec.options:
        return [(o.text(lang), o.value == value) for o in spec.options]
    if kind == "multichoice" and spec.options:
        chosen = value if isinstance(value, list) else []
        return [(o.text(lang), o.value in chosen) for o in spec.options]
    return []


def _print_field(spec: FieldSpec, value: Any, state: FormState, indexes: tuple[int, ...],
                 lang: str, masked: bool) -> PrintField:
    path = spec.concrete_path(*indexes)
    if spec.compute and path in state.computed:
        value = state.computed[path]  # computed from the real data: mask it here
        if masked and spec.personal:
            value = mask_value(value)
    blank = value is None or value == "" or value == [] or value == {}
    pf = PrintField(name=spec.name, path=path, title=printable(spec.label(lang)),
                    kind=spec.kind, display="", blank=blank, lines=_blank_lines(spec),
                    unit=spec.unit)
    if spec.kind == "group":
        child = value if isinstance(value, Mapping) else {}
        pf.children = [_print_field(c, child.get(c.name), state, indexes, lang, masked)
                       for c in spec.children]
        pf.blank = all(c.blank for c in pf.children)
        return pf
    if spec.kind == "rows":
        pf.table = _print_table(spec, value, state, indexes, lang, masked)
        pf.blank = pf.table.blank
        return pf
    pf.options = _options(spec, value, lang)
    if not blank:
        # Personal values arrive masked already (runtime.masking, in build_document).
        pf.display = printable(_scalar_display(spec, value, lang))
    return pf


def _print_table(spec: FieldSpec, value: Any, state: FormState, indexes: tuple[int, ...],
                 lang: str, masked: bool) -> PrintTable:
    columns = [printable(c.label(lang)) for c in spec.children]
    rows = rows_of(value)
    if not rows:
        # A blank register offers empty rows: `print-lines` of them (a month's roster: 31).
        n = spec.print_lines or max(spec.min_items or 0, BLANK_ROWS)
        return PrintTable(columns, [[""] * len(columns) for _ in range(n)], True)
    out = []
    for i, row in enumerate(rows):
        cells = []
        for c in spec.children:
            pf = _print_field(c, row.get(c.name), state, (*indexes, i), lang, masked)
            cells.append(_flat(pf))
        out.append(cells)
    return PrintTable(columns, out, False)


def _flat(pf: PrintField) -> str:
    """A field as one cell of text (groups and nested rows inside a row are rare)."""
    if pf.children:
        return "；".join(f"{c.title}: {_flat(c)}" for c in pf.children if not c.blank)
    if pf.table is not None:
        return "\n".join(" / ".join(r) for r in pf.table.rows if any(r)) if not pf.table.blank \
            else ""
    return pf.display


def _labels(lang: str) -> dict[str, str]:
    keys = ("number", "version", "form_id", "printed_at", "signature", "date", "blank_number",
            "created", "status", "continued", "row_no", "void")
    out = {k: t(f"print.{k}", lang) for k in keys}
    out.update({f"fill_{k}": t(f"print.fill_{k}", lang) for k in BLANK_FILL_KINDS})
    return out


def print_settings(hb: Handbook | None, form: Form) -> tuple[list[str], str]:
    """(signature labels, orientation) from the form's `print` block."""
    return [printable(s) for s in form.signatures], form.orientation


def record_data(record: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """The form data of a record (`record["data"]`), or {} for a blank form."""
    if not isinstance(record, Mapping):
        return {}
    data = record.get("data")
    return data if isinstance(data, Mapping) else {}


def build_document(hb: Handbook | None, form: Form, record: Mapping[str, Any] | None,
                   property_title: str | None = None, lang: str = "zh", *,
                   mask_personal: bool = False, now: datetime | None = None) -> PrintDocument:
    """The print model of a form, filled from `record` (a store record: number, created_at,
    created_by, status, data) or blank when `record` is None."""
    spec: FormSpec = form_spec(form)
    data = record_data(record)
    state = evaluate(spec, data)
    if mask_personal:
        # The one masking of every exit (runtime/masking.py), nested rows included; computed
        # values come from the real data, so the state is evaluated first.
        data = mask_data(form, data)
    sections = []
    placed: set[str] = set()
    for sec in spec.sections:
        # Each field prints once, in the first section listing it.
        specs = [fs for fs in sec.fields if fs.name not in placed]
        placed.update(fs.name for fs in specs)
        fields = [_print_field(fs, data.get(fs.name), state, (), lang, mask_personal)
                  for fs in specs if state.is_visible(fs.path) or not data]
        if fields:  # a filled form leaves out sections whose every field is hidden
            sections.append(PrintSection(sec.id, printable(sec.label(lang)), fields))
    signatures, orientation = print_settings(hb, form)
    rec = record if isinstance(record, Mapping) else {}
    status = _as_text(rec.get("status"))
    status_text = t(f"forms.status.{status}", chrome_lang(hb, lang)) if status else ""
    if status_text.startswith("forms.status."):
        status_text = status
    if property_title is None and hb is not None and hb.property is not None:
        property_title = pick(hb.property.meta.title, hb.property.meta.title_en, lang)
    if property_title is None and hb is not None:
        property_title = pick(hb.company.meta.title, hb.company.meta.title_en, lang)
    return PrintDocument(
        form_id=form.id,
        form_title=printable(pick(form.title, form.meta.title_en, lang)),
        form_version=printable(_as_text(rec.get("form_version") or form.meta.version)),
        property_title=printable(property_title or ""),
        number=printable(_as_text(rec.get("number"))),
        created_at=printable(_display_datetime(_as_text(rec.get("created_at")))),
        created_by=printable(_as_text(rec.get("created_by"))),
        status=printable(status_text),
        void=status in ("void", "voided"),
        blank=not data,
        orientation=orientation,
        sections=sections,
        signatures=signatures,
        printed_at=(now or local_now()).strftime("%Y-%m-%d %H:%M"),
        lang=lang,
        labels=_labels(chrome_lang(hb, lang)),
        chrome_lang=chrome_lang(hb, lang),
    )


# ---------------------------------------------------------------- HTML


MAX_TEMPLATE_BYTES = 1_000_000


class ConfinedLoader(BaseLoader):
    """Templates from one directory only, by resolved path: a name with `..`, an absolute
    path or a symlink leading out of the directory is not found, and only regular files of
    at most MAX_TEMPLATE_BYTES are read (never a FIFO or a device)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).resolve()

    def get_source(self, environment: Any, template: str
                   ) -> tuple[str, str, Callable[[], bool]]:
        """(source, file name, up-to-date check) of `template`; TemplateNotFound otherwise."""
        import stat

        if Path(template).is_absolute() or "\\" in template:
            raise TemplateNotFound(template)
        try:
            path = (self.root / template).resolve()
            path.relative_to(self.root)
            st = path.stat()
        except (OSError, RuntimeError, ValueError):
            raise TemplateNotFound(template) from None
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_TEMPLATE_BYTES:
            raise TemplateNotFound(template)
        with path.open("rb") as fh:
            raw = fh.read(MAX_TEMPLATE_BYTES + 1)
        if len(raw) > MAX_TEMPLATE_BYTES:
            raise TemplateNotFound(template)
        mtime = st.st_mtime_ns

        def uptodate() -> bool:
            try:
                return path.stat().st_mtime_ns == mtime
            except OSError:
                return False

        return raw.decode("utf-8", errors="replace"), str(path), uptodate


@functools.lru_cache(maxsize=8)
def _env(dirs: tuple[str, ...]) -> SandboxedEnvironment:
    loaders = [ConfinedLoader(d) for d in dirs]
    # Bounded sandbox: restricted filters/globals, size, loop, output and time limits.
    env = BoundedTemplateEnvironment(
        TEMPLATE_LIMITS,
        loader=ChoiceLoader(loaders),
        autoescape=True,  # every template here is HTML, whatever its file extension
        undefined=StrictUndefined,  # a typo in a template fails the tests, not silently
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.finalize = _finalize
    return env


def _finalize(value: Any) -> Any:
    # Values a template prints directly (not through the print model) are made printable too.
    if isinstance(value, str) and not hasattr(value, "__html__"):
        return printable(value)
    return value


def template_dirs(extra: Sequence[Path | str] = ()) -> tuple[str, ...]:
    """Where print templates are looked up: `extra` first, then the shipped forms/templates
    (only template directories: a template cannot include the rules or forms themselves)."""
    dirs = [str(Path(d)) for d in extra]
    if str(BASE_TEMPLATE_DIR) not in dirs:
        dirs.append(str(BASE_TEMPLATE_DIR))
    return tuple(dirs)


def render_html(hb: Handbook | None, form: Form, record: Mapping[str, Any] | None,
                property_title: str | None = None, lang: str = "zh", *,
                mask_personal: bool = False, now: datetime | None = None,
                templates: Sequence[Path | str] = ()) -> str:
    """The full A4 HTML print view of a form (blank when `record` is None)."""
    doc = build_document(hb, form, record, property_title, lang, mask_personal=mask_personal,
                         now=now)
    env = _env(template_dirs(templates))
    name = form.template or BASE_TEMPLATE
    try:
        template = env.get_template(name)
    except TemplateNotFound:
        template = env.get_template(BASE_TEMPLATE)
    except Exception as exc:
        raise PrintError(f"print template {name!r} of form {form.id!r}: {exc}") from exc
    tr: Callable[..., str] = functools.partial(_t, lang)
    try:
        with bounded(TEMPLATE_LIMITS) as budget:
            ctx = template.new_context({"doc": doc, "form": doc, "fields": doc.fields, "t": tr,
                                        "lang": lang})
            return render_bounded(template.root_render_func(ctx), budget)
    except LimitExceeded as exc:
        raise PrintError(f"print template {name!r} of form {form.id!r}: {exc}") \
            from exc.__cause__
    except Exception as exc:  # a broken template must say which form and why
        raise PrintError(f"print template {name!r} of form {form.id!r}: {exc}") from exc


def render_template(name: str, context: Mapping[str, Any],
                    templates: Sequence[Path | str] = ()) -> str:
    """A print template other than a form's (e.g. a report) in the same bounded, autoescaped
    sandbox as the forms' print views."""
    env = _env(template_dirs(templates))
    try:
        template = env.get_template(name)
        with bounded(TEMPLATE_LIMITS) as budget:
            ctx = template.new_context(dict(context))
            return render_bounded(template.root_render_func(ctx), budget)
    except LimitExceeded as exc:
        raise PrintError(f"print template {name!r}: {exc}") from exc.__cause__
    except Exception as exc:  # a broken template must say which and why
        raise PrintError(f"print template {name!r}: {exc}") from exc


def _t(lang: str, key: str, **values: Any) -> str:
    return t(key, lang, **values)


# ---------------------------------------------------------------- PDF

PDF_FONT = "STSong-Light"
MAX_CELL_LINES = 24  # longer text is split over continuation rows: a row must fit a page


@functools.lru_cache(maxsize=1)
def _register_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    return PDF_FONT


def pdf_font() -> str:
    """The registered PDF font name (STSong-Light: Chinese without font files)."""
    return _register_font()


def pdf_markup(text: str) -> str:
    """Text as reportlab paragraph markup: escaped, printable in the PDF font."""
    return _para_markup(printable(text))


def pdf_text(text: str) -> str:
    """Text for a canvas string or PDF metadata in the PDF font."""
    return _pdf_safe(printable(text))


def _pdf_char(c: str) -> str:
    code = ord(c)
    if 0x2400 <= code <= 0x2421:  # control pictures (␀ ␛): not in the font, print \x00
        return f"\\x{(code - 0x2400) if code != 0x2421 else 0x7F:02x}"
    if code > 0xFFFF:  # STSong-Light covers the Basic Multilingual Plane only
        return f"[U+{code:X}]"
    return c


def _pdf_safe(text: str) -> str:
    return "".join(_pdf_char(c) if ord(c) > 0x23FF else c for c in text)


def _para_markup(text: str) -> str:
    return xml_escape(_pdf_safe(text)).replace("\t", "    ").replace("\n", "<br/>")


def split_text(text: str, chars_per_line: int = 40, max_lines: int = MAX_CELL_LINES
               ) -> list[str]:
    """Cut text into pieces that each fit one table row of a page (never loses characters).

    Widths are estimated as if every character were full-width (CJK), which over-estimates
    Latin text, so a piece never ends up taller than the page."""
    cpl = max(chars_per_line, 1)
    budget = max(max_lines, 1)
    pieces: list[str] = []
    current: list[str] = []
    used = 0
    for line in text.split("\n"):
        cost = max(1, -(-len(line) // cpl))
        if cost > budget:  # one long line: cut it into page-sized slices
            if current:
                pieces.append("\n".join(current))
                current, used = [], 0
            step = cpl * budget
            slices = [line[i:i + step] for i in range(0, len(line), step)]
            pieces.extend(slices[:-1])
            line = slices[-1]
            cost = max(1, -(-len(line) // cpl))
        if current and used + cost > budget:
            pieces.append("\n".join(current))
            current, used = [], 0
        current.append(line)
        used += cost
    pieces.append("\n".join(current))
    return pieces


def render_pdf(hb: Handbook | None, form: Form, record: Mapping[str, Any] | None,
               property_title: str | None = None, lang: str = "zh", *,
               mask_personal: bool = False, now: datetime | None = None) -> bytes:
    """The same document as `render_html`, as A4 PDF bytes (reportlab, Chinese CID font)."""
    doc = build_document(hb, form, record, property_title, lang, mask_personal=mask_personal,
                         now=now)
    return _PdfBuilder(doc).build()


class _PdfBuilder:
    """Draws a PrintDocument with reportlab platypus tables."""

    def __init__(self, doc: PrintDocument) -> None:
        from reportlab.lib.enums import TA_CENTER
        from reportlab.lib.pagesizes import A4, landscape
        from reportlab.lib.styles import ParagraphStyle
        from reportlab.lib.units import mm

        self.doc = doc
        self.mm = mm
        self.font = _register_font()
        self.pagesize = landscape(A4) if doc.orientation == "landscape" else A4
        self.width = self.pagesize[0] - 24 * mm
        # Continuation rows keep each table row under ~45% of the frame height.
        self.frame_h = self.pagesize[1] - 30 * mm
        base = ParagraphStyle("base", fontName=self.font, fontSize=9.5, leading=13,
                              wordWrap="CJK")
        self.styles = {
            "base": base,
            "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10.5),
            "title": ParagraphStyle("title", parent=base, fontSize=16, leading=22,
                                    alignment=TA_CENTER, spaceAfter=2),
            "property": ParagraphStyle("property", parent=base, fontSize=11, leading=15,
                                       alignment=TA_CENTER),
            "h2": ParagraphStyle("h2", parent=base, fontSize=11.5, leading=16, spaceBefore=6,
                                 spaceAfter=3),
            "label": ParagraphStyle("label", parent=base, textColor="#333333"),
        }

    def p(self, text: str, style: str = "base") -> Any:
        """A paragraph of escaped, printable text."""
        from reportlab.platypus import Paragraph

        return Paragraph(_para_markup(text), self.styles[style])

    def build(self) -> bytes:
        """The PDF bytes."""
        from reportlab.platypus import SimpleDocTemplate, Spacer

        mm = self.mm
        d = self.doc
        out = io.BytesIO()
        story: list[Any] = [self.p(d.property_title, "property"), self.p(d.form_title, "title")]
        story.append(self._meta_table())
        story.append(Spacer(1, 3 * mm))
        for section in d.sections:
            story.append(self.p(section.title, "h2"))
            story.extend(self._section(section))
        if d.signatures:
            story.append(Spacer(1, 5 * mm))
            story.append(self._signatures())
        pdf = SimpleDocTemplate(
            out, pagesize=self.pagesize, leftMargin=12 * mm, rightMargin=12 * mm,
            topMargin=14 * mm, bottomMargin=16 * mm,
            title=_pdf_safe(d.form_title), author=_pdf_safe(d.property_title),
            subject=_pdf_safe(f"{d.form_id} {d.number}".strip()), creator="Handbook",
        )
        pdf.build(story, onFirstPage=self._decorate, onLaterPages=self._decorate)
        return out.getvalue()

    def _decorate(self, canvas: Any, pdf: Any) -> None:
        mm = self.mm
        d = self.doc
        canvas.saveState()
        canvas.setFont(self.font, 8)
        left = f"{d.labels['printed_at']}: {d.printed_at}"
        right = f"{d.form_id} v{d.form_version}    " + t("print.page", d.chrome_lang or d.lang,
                                                          page=canvas.getPageNumber())
        canvas.drawString(12 * mm, 9 * mm, _pdf_safe(left))
        canvas.drawRightString(self.pagesize[0] - 12 * mm, 9 * mm, _pdf_safe(right))
        if d.void:
            canvas.setFont(self.font, 72)
            canvas.setFillColorRGB(0.85, 0.2, 0.2, alpha=0.25)
            canvas.translate(self.pagesize[0] / 2, self.pagesize[1] / 2)
            canvas.rotate(35)
            canvas.drawCentredString(0, 0, d.labels["void"])
        canvas.restoreState()

    def _meta_table(self) -> Any:
        from reportlab.platypus import Table, TableStyle

        d = self.doc
        cells = [
            self.p(f"{d.labels['number']}: {d.number or d.labels['blank_number']}", "small"),
            self.p(f"{d.labels['version']}: {d.form_version}", "small"),
            self.p(f"{d.labels['form_id']}: {d.form_id}", "small"),
        ]
        if d.created_at or d.created_by:
            cells.append(self.p(f"{d.labels['created']}: {d.created_at} {d.created_by}".strip(),
                                "small"))
        if d.status:
            cells.append(self.p(f"{d.labels['status']}: {d.status}", "small"))
        table = Table([cells], colWidths=[self.width / len(cells)] * len(cells))
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        return table

    def _grid(self) -> list[tuple[Any, ...]]:
        from reportlab.lib import colors

        return [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 4),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ]

    def _section(self, section: PrintSection) -> list[Any]:
        from reportlab.lib import colors
        from reportlab.platypus import Spacer, Table, TableStyle

        out: list[Any] = []
        rows: list[list[Any]] = []
        heights: list[float | None] = []

        def flush() -> None:
            if not rows:
                return
            table = Table(rows, colWidths=[self.width * 0.28, self.width * 0.72],
                          rowHeights=heights[:], repeatRows=0)
            style = [*self._grid(), ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2"))]
            table.setStyle(TableStyle(style))
            out.append(table)
            rows.clear()
            heights.clear()

        def add(label: str, pf: PrintField) -> None:
            if pf.table is not None:
                flush()
                out.append(Spacer(1, 1.5 * self.mm))
                out.append(self.p(label, "label"))
                out.append(self._rows_table(pf.table))
                return
            if pf.children:
                for child in pf.children:
                    add(f"{label} / {child.title}", child)
                return
            text = self._value_text(pf)
            pieces = split_text(text, int(self.width * 0.72 - 8) // 10,
                                int(self.frame_h * 0.45 // 13))
            for i, piece in enumerate(pieces):
                shown = label if i == 0 else f"{label} {self.doc.labels['continued']}"
                rows.append([self.p(shown, "label"), self.p(piece)])
                blank_height = 13.0 * pf.lines + 8 if pf.blank and not pf.options else None
                heights.append(blank_height)

        for pf in section.fields:
            add(pf.title, pf)
        flush()
        return out

    def _value_text(self, pf: PrintField) -> str:
        if pf.options:
            return pf.boxes
        if pf.blank and pf.kind in BLANK_FILL_KINDS:
            return self.doc.labels[f"fill_{pf.kind}"]
        if pf.blank and pf.unit:
            return f"__________ {pf.unit}"
        return pf.display

    def _rows_table(self, table: PrintTable) -> Any:
        from reportlab.lib import colors
        from reportlab.platypus import Table, TableStyle

        mm = self.mm
        index_w = 10 * mm
        ncols = max(len(table.columns), 1)
        col_w = (self.width - index_w) / ncols
        data: list[list[Any]] = [[self.p(self.doc.labels["row_no"], "small")]
                                 + [self.p(c, "small") for c in table.columns]]
        heights: list[float | None] = [None]
        for i, row in enumerate(table.rows, start=1):
            pieces = [split_text(cell, int(col_w - 8) // 8, int(self.frame_h * 0.45 // 10.5))
                      for cell in row] or [[""]]
            depth = max(len(p) for p in pieces)
            for k in range(depth):
                no = str(i) if k == 0 else self.doc.labels["continued"]
                data.append([self.p(no, "small")]
                            + [self.p(p[k] if k < len(p) else "", "small") for p in pieces])
                heights.append(20.0 if table.blank else None)
        out = Table(data, colWidths=[index_w] + [col_w] * ncols, rowHeights=heights,
                    repeatRows=1)
        out.setStyle(TableStyle([*self._grid(),
                                 ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f2f2"))]))
        return out

    def _signatures(self) -> Any:
        from reportlab.platypus import Table, TableStyle

        d = self.doc
        per_row = 2 if d.orientation == "portrait" else 3
        cells = [self.p(f"{label}: ____________  {d.labels['date']}: __________")
                 for label in d.signatures]
        while len(cells) % per_row:
            cells.append(self.p(""))
        grid = [cells[i:i + per_row] for i in range(0, len(cells), per_row)]
        table = Table(grid, colWidths=[self.width / per_row] * per_row,
                      rowHeights=[30.0] * len(grid))
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))
        return table


__all__ = ["PrintDocument", "PrintError", "PrintField", "PrintSection", "PrintTable",
           "build_document", "pdf_font", "pdf_markup", "pdf_text", "printable", "render_html",
           "render_pdf", "render_template"]
