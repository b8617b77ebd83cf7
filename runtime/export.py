"""Export records to CSV (UTF-8 with BOM, so Excel opens Chinese correctly) and XLSX.

Columns: record number, created at, created by, status, then every field's title in form
order (a group's children as `组 / 子字段`, repeatable rows as one column with one line per
row, multiple choices joined with 、). Takes any iterable of record dicts (or store Record
objects) — {number, created_at, created_by, status, data, voided...} — so it does not depend
on the store's internals.

Cells that a spreadsheet would run as formulas (`=`, `+`, `-`, `@` first) are written as
text: a typed `=HYPERLINK(...)` stays a string in both formats.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from runtime.compiler.model import Form
from runtime.forms.attachments import attachment_name
from runtime.forms.spec import FieldSpec, form_spec
from runtime.forms.state import rows_of
from runtime.i18n import t
from runtime.masking import mask_data

XLSX_CELL_LIMIT = 32767  # Excel's hard limit on characters in one cell
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _record_dict(record: Any) -> Mapping[str, Any]:
    if isinstance(record, Mapping):
        return record
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        return {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}
    return {}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    try:
        return str(value)
    except ValueError:  # an integer too long to print
        return repr(type(value))


def _cell(spec: FieldSpec, value: Any, lang: str) -> str:
    if value is None or value == "" or value == []:
        return ""
    kind = spec.value_kind
    if kind == "yesno" and isinstance(value, bool):
        return t("print.yes" if value else "print.no", lang)
    if kind == "choice" and isinstance(value, str | int | float):
        return spec.option_label(value, lang)
    if kind in ("multichoice", "lines") and isinstance(value, list):
        return "、".join(spec.option_label(v, lang) if isinstance(v, str | int | float)
                        else _text(v) for v in value)
    if kind == "file":
        items = value if isinstance(value, list) else [value]
        return "、".join(attachment_name(v) for v in items)
    if kind == "datetime" and isinstance(value, str) and len(value) >= 16 and value[10] == "T":
        return value[:10] + " " + value[11:16]
    if kind == "group" and isinstance(value, Mapping):
        return "；".join(f"{c.label(lang)}: {_cell(c, value.get(c.name), lang)}"
                        for c in spec.children if value.get(c.name) not in (None, "", []))
    if kind == "rows":
        lines = []
        for i, row in enumerate(rows_of(value), start=1):
            parts = [f"{c.label(lang)}: {_cell(c, row.get(c.name), lang)}"
                     for c in spec.children if row.get(c.name) not in (None, "", [])]
            lines.append(f"{i}. " + "；".join(parts))
        return "\n".join(lines)
    if isinstance(value, Mapping | list):
        import json

        return json.dumps(value, ensure_ascii=False, default=str)
    return _text(value)


def _columns(form: Form) -> list[tuple[str, list[FieldSpec]]]:
    """(header, spec chain) per column: groups are flattened one level into their children."""
    out: list[tuple[str, list[FieldSpec]]] = []
    for spec in form_spec(form).fields:
        if spec.kind == "group" and spec.children:
            out.extend((f"{spec.title} / {c.title}", [spec, c]) for c in spec.children)
        else:
            out.append((spec.title, [spec]))
    return out


def _status(record: Mapping[str, Any], lang: str) -> str:
    status = "void" if record.get("voided") else _text(record.get("status"))
    if not status:
        return ""
    text = t(f"forms.status.{status}", lang)
    return status if text.startswith("forms.status.") else text


def _meta_time(value: Any) -> str:
    text = _text(value)
    return text[:10] + " " + text[11:19] if len(text) >= 19 and text[10] == "T" else text


def table(form: Form, records: Iterable[Any], lang: str = "zh", *,
          mask_personal: bool = False) -> tuple[list[str], list[list[str]]]:
    """(headers, rows) of the export: every cell as text; personal values (nested rows
    included) masked by runtime.masking when `mask_personal`."""
    columns = _columns(form)
    headers = [t("export.number", lang), t("export.created_at", lang),
               t("export.created_by", lang), t("export.status", lang)]
    if lang == "en":
        spec_titles = []
        for _, chain in columns:
            spec_titles.append(" / ".join(s.label(lang) for s in chain))
        headers += spec_titles
    else:
        headers += [h for h, _ in columns]
    rows: list[list[str]] = []
    for raw in records:
        rec = _record_dict(raw)
        data = rec.get("data") if isinstance(rec.get("data"), Mapping) else {}
        assert isinstance(data, Mapping)
        if mask_personal:
            data = mask_data(form, data)
        row = [_text(rec.get("number")), _meta_time(rec.get("created_at")),
               _text(rec.get("created_by")), _status(rec, lang)]
        for _, chain in columns:
            value: Any = data
            for spec in chain:
                value = value.get(spec.name) if isinstance(value, Mapping) else None
            row.append(_cell(chain[-1], value, lang))
        rows.append(row)
    return headers, rows


_NUMBER = re.compile(r"^[-+]?\d+(\.\d+)?$")


def _defuse(text: str) -> str:
    # A leading apostrophe is what Excel itself shows for "text that looks like a formula".
    if text.startswith(_FORMULA_START) and not _NUMBER.match(text):
        return "'" + text
    return text


def write_csv(form: Form, records: Iterable[Any], out: IO[str] | Path | str,
              lang: str = "zh", *, mask_personal: bool = False) -> int:
    """Write the CSV export (UTF-8 with BOM); returns the number of records written."""
    headers, rows = table(form, records, lang, mask_personal=mask_personal)
    if isinstance(out, str | Path):
        with open(out, "w", encoding="utf-8-sig", newline="") as fh:
            return _write_csv(fh, headers, rows)
    out.write("\ufeff")
    return _write_csv(out, headers, rows)


_SURROGATE = re.compile(r"[\ud800-\udfff]")
_NOT_XML = re.compile(r"[\ud800-\udfff\ufffe\uffff]")  # beyond control chars: not XML 1.0


def _encodable(text: str) -> str:
    # Validation refuses lone surrogates; a stored one (older data) becomes visible `[U+D800]`
    # instead of making the whole file unwritable.
    return _SURROGATE.sub(lambda m: f"[U+{ord(m[0]):04X}]", text)


def _write_csv(fh: IO[str], headers: list[str], rows: list[list[str]]) -> int:
    writer = csv.writer(fh, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([_encodable(h) for h in headers])
    for row in rows:
        writer.writerow([_encodable(_defuse(c)) for c in row])
    return len(rows)


def csv_bytes(form: Form, records: Iterable[Any], lang: str = "zh", *,
              mask_personal: bool = False) -> bytes:
    """The CSV export as bytes (for a download button)."""
    buf = io.StringIO()
    write_csv(form, records, buf, lang, mask_personal=mask_personal)
    return buf.getvalue().encode("utf-8")


def _xlsx_text(text: str, lang: str) -> str:
    # openpyxl refuses control characters; show them as visible symbols like the printout.
    text = _ILLEGAL_XLSX.sub(lambda m: chr(0x2400 + ord(m[0])), text)
    text = _NOT_XML.sub(lambda m: f"[U+{ord(m[0]):04X}]", text)
    if len(text) > XLSX_CELL_LIMIT:
        note = t("export.truncated", lang)
        text = text[: XLSX_CELL_LIMIT - len(note)] + note
    return text


def write_xlsx(form: Form, records: Iterable[Any], out: IO[bytes] | Path | str,
               lang: str = "zh", *, mask_personal: bool = False) -> int:
    """Write the XLSX export; returns the number of records written."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    headers, rows = table(form, records, lang, mask_personal=mask_personal)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _sheet_title(_xlsx_text(form.title, lang))
    ws.append([_xlsx_text(h, lang) for h in headers])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F2F2F2")
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c)
            cell.value = _xlsx_text(value, lang)
            cell.data_type = "s"  # never a formula, whatever the text starts with
            if "\n" in value:
                cell.alignment = wrap
    for c, header in enumerate(headers, start=1):
        longest = max([len(header) * 2] + [min(len(r[c - 1]), 60) for r in rows[:200]])
        ws.column_dimensions[get_column_letter(c)].width = max(10, min(longest + 2, 60))
    ws.freeze_panes = "B2"
    if isinstance(out, str | Path):
        wb.save(str(out))
    else:
        wb.save(out)
    return len(rows)


def xlsx_bytes(form: Form, records: Iterable[Any], lang: str = "zh", *,
               mask_personal: bool = False) -> bytes:
    """The XLSX export as bytes (for a download button)."""
    buf = io.BytesIO()
    write_xlsx(form, records, buf, lang, mask_personal=mask_personal)
    return buf.getvalue()


def tables_csv_bytes(tables: Sequence[tuple[str, Sequence[str], Sequence[Sequence[str]]]]
                     ) -> bytes:
    """Several titled tables in one CSV (UTF-8 with BOM): a title row, the header row, the
    rows, a blank row between tables; formula-like cells written as text."""
    buf = io.StringIO()
    buf.write("\ufeff")
    writer = csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    for i, (title, headers, rows) in enumerate(tables):
        if i:
            writer.writerow([])
        writer.writerow([_encodable(_defuse(title))])
        writer.writerow([_encodable(_defuse(h)) for h in headers])
        for row in rows:
            writer.writerow([_encodable(_defuse(str(c))) for c in row])
    return buf.getvalue().encode("utf-8")


def tables_xlsx_bytes(tables: Sequence[tuple[str, Sequence[str], Sequence[Sequence[str]]]],
                      lang: str = "zh") -> bytes:
    """Several titled tables as one workbook, a sheet per table (cells always text, so a
    typed `=...` never runs; numbers that are plain numbers stay numbers)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    first = wb.active
    assert first is not None
    used: set[str] = set()
    for i, (title, headers, rows) in enumerate(tables):
        ws = first if i == 0 else wb.create_sheet()
        name = _sheet_title(_xlsx_text(title, lang))
        while name in used:  # sheet names must be unique
            name = _sheet_title(f"{name[:28]} {i}")
        used.add(name)
        ws.title = name
        ws.append([_xlsx_text(h, lang) for h in headers])
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="F2F2F2")
        for r, row in enumerate(rows, start=2):
            for c, value in enumerate(row, start=1):
                text = str(value)
                cell = ws.cell(row=r, column=c)
                if re.fullmatch(r"-?\d{1,15}", text):
                    cell.value = int(text)  # counts stay numbers: sums work in the sheet
                else:
                    cell.value = _xlsx_text(text, lang)
                    cell.data_type = "s"
        for c, header in enumerate(headers, start=1):
            longest = max([len(header) * 2] + [min(len(str(r[c - 1])) * 2, 60)
                                               for r in rows[:200] if len(r) >= c])
            ws.column_dimensions[get_column_letter(c)].width = max(10, min(longest + 2, 60))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _sheet_title(title: str) -> str:
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", title).strip() or "records"
    return cleaned[:31]


__all__ = ["csv_bytes", "table", "tables_csv_bytes", "tables_xlsx_bytes", "write_csv",
           "write_xlsx", "xlsx_bytes"]
