"""`handbook form validate`, `handbook render` and `handbook export`.

    handbook form validate FORM_ID FILE.json [--lang zh|en]
        exit 0 when valid, else exit 1 printing one `field: message` line per field
    handbook render FORM_ID [--data FILE.json] --out FILE.html|FILE.pdf [--property ID]
        no --data: the blank paper form
    handbook export FORM_ID --format csv|xlsx --out FILE [--data-dir DIR]
        records of the form from the store under DIR/store (default $HANDBOOK_DATA or data/),
        plus the cases whose procedure uses the form as its case form

Exit 2: the form, property or input file does not exist or cannot be read.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from runtime.compiler.pipeline import DEFAULT_FORMS, DEFAULT_RULES, PROJECT_ROOT
from runtime.errors import HandbookError

MAX_INPUT_BYTES = 50 * 1024 * 1024


def _tree_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rules", type=Path, default=DEFAULT_RULES, help="rules directory")
    p.add_argument("--forms", type=Path, default=DEFAULT_FORMS, help="forms directory")
    p.add_argument("--property", help="use this property's view of the rules")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="message language")


def register(sub: argparse._SubParsersAction) -> None:
    """Add `form validate`, `render` and `export`."""
    form = sub.add_parser("form", help="work with form data")
    form_sub = form.add_subparsers(dest="form_command", required=True)
    v = form_sub.add_parser("validate", help="validate a JSON file of form data; exit 1 "
                                             "listing one line per field error")
    v.add_argument("form_id")
    v.add_argument("file", type=Path)
    _tree_args(v)
    v.set_defaults(func=_validate)

    r = sub.add_parser("render", help="print a form (blank, or filled from --data) to "
                                      "HTML or PDF")
    r.add_argument("form_id")
    r.add_argument("--data", type=Path, help="form data or a record (JSON); none: blank form")
    r.add_argument("--out", type=Path, required=True, help="FILE.html or FILE.pdf")
    r.add_argument("--mask-personal", action="store_true", help="mask phone numbers etc.")
    _tree_args(r)
    r.set_defaults(func=_render)

    e = sub.add_parser("export", help="export a form's records to CSV or XLSX")
    e.add_argument("form_id")
    e.add_argument("--format", choices=("csv", "xlsx"), required=True)
    e.add_argument("--out", type=Path, required=True)
    e.add_argument("--data-dir", type=Path,
                   help="data directory holding store/ (default $HANDBOOK_DATA or data/)")
    e.add_argument("--records", type=Path,
                   help="read records from this JSON-lines file instead of the store")
    _tree_args(e)
    e.set_defaults(func=_export)


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _load_form(args: argparse.Namespace) -> tuple[Any, Any]:
    from runtime.compiler.pipeline import load

    # Forms are checked by `handbook check`; a problem in an unrelated rule must not stop
    # validating, printing or exporting a form.
    hb = load(args.rules, args.forms, args.property, strict=False)
    form = hb.forms.get(args.form_id)
    if form is None:
        known = ", ".join(sorted(hb.forms)) or "none"
        raise HandbookError(f"unknown form {args.form_id!r} (forms: {known})")
    return hb, form


def _read_json(path: Path) -> Any:
    if path.stat().st_size > MAX_INPUT_BYTES:
        raise ValueError(f"{path} is larger than {MAX_INPUT_BYTES // (1024 * 1024)} MB")
    text = path.read_text(encoding="utf-8-sig")
    return json.loads(text)


def _validate(args: argparse.Namespace) -> int:
    from runtime.forms import form_spec, validate
    from runtime.forms.validation import FORM_KEY
    from runtime.i18n import t

    try:
        _, form = _load_form(args)
    except HandbookError as exc:
        return _fail(str(exc))
    try:
        data = _read_json(args.file)
    except OSError as exc:
        return _fail(f"cannot read {args.file}: {exc.strerror or exc}")
    except (ValueError, RecursionError) as exc:  # not JSON (or absurdly nested / huge ints)
        print(f"{FORM_KEY}: {t('forms.not_object', args.lang)} ({_short(exc)})")
        return 1
    errors = validate(form, data, args.lang)
    order = {s.name: i for i, s in enumerate(form_spec(form).fields)}
    for path in sorted(errors, key=lambda p: (order.get(_top(p), len(order)), p)):
        print(f"{path}: {_one_line(errors[path])}")
    return 1 if errors else 0


def _top(path: str) -> str:
    return path.split(".")[0].split("[")[0]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _short(exc: BaseException) -> str:
    return _one_line(str(exc))[:200]


def _render(args: argparse.Namespace) -> int:
    from runtime.printing import render_html, render_pdf

    suffix = args.out.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        return _fail("--out must end in .html or .pdf")
    try:
        hb, form = _load_form(args)
    except HandbookError as exc:
        return _fail(str(exc))
    record: dict[str, Any] | None = None
    if args.data is not None:
        try:
            raw = _read_json(args.data)
        except OSError as exc:
            return _fail(f"cannot read {args.data}: {exc.strerror or exc}")
        except (ValueError, RecursionError) as exc:
            return _fail(f"{args.data} is not JSON: {_short(exc)}")
        if not isinstance(raw, dict):
            return _fail(f"{args.data} must hold a JSON object")
        # A store record carries its data under "data"; anything else is the form data itself.
        is_record = isinstance(raw.get("data"), dict) and "number" in raw
        record = raw if is_record else {"data": raw}
    try:
        if suffix == ".pdf":
            args.out.write_bytes(render_pdf(hb, form, record, lang=args.lang,
                                            mask_personal=args.mask_personal))
        else:
            args.out.write_text(render_html(hb, form, record, lang=args.lang,
                                            mask_personal=args.mask_personal),
                                encoding="utf-8")
    except HandbookError as exc:
        return _fail(str(exc))
    print(args.out)
    return 0


def default_data_dir() -> Path:
    """$HANDBOOK_DATA, else data/ in the project — where the app keeps its store."""
    return Path(os.environ.get("HANDBOOK_DATA") or PROJECT_ROOT / "data")


def _records_from_jsonl(path: Path, form_id: str) -> list[dict[str, Any]]:
    out = []
    with open(path, encoding="utf-8-sig") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except ValueError as exc:
                raise ValueError(f"{path}:{n}: not JSON ({_short(exc)})") from exc
            if isinstance(rec, dict) and rec.get("form_id", form_id) == form_id:
                out.append(rec)
    return out


def _records_from_store(hb: Any, data_dir: Path, form_id: str, prop: str | None) -> list[Any]:
    """Saved records of the form, then the cases whose procedure's case form it is (a
    complaint register's data lives on the complaint case)."""
    from runtime.store.backends import database_url, open_configured
    from runtime.store.records import list_records

    store_dir = data_dir / "store"
    if not database_url() and not store_dir.is_dir():
        print(f"note: no store at {store_dir}; exporting headers only", file=sys.stderr)
        return []
    store = open_configured(data_dir)
    try:
        out: list[Any] = list(list_records(store, form_id=form_id, property=prop,
                                           include_voided=True))
        out.extend(_case_rows(hb, store, form_id, prop))
        return out
    finally:
        store.close()


def _case_rows(hb: Any, store: Any, form_id: str, prop: str | None) -> list[dict[str, Any]]:
    from runtime.engine.store_repo import StoreRepository

    procedures = sorted(p.id for p in hb.procedures.values() if p.form == form_id)
    if not procedures:
        return []
    repo = StoreRepository(store)
    rows = []
    for pid in procedures:
        for case in repo.find_cases(procedure_id=pid, property=prop):
            by = next((e.by for e in case.events if e.by), "")
            rows.append({"number": case.number, "created_at": case.created_at.isoformat(),
                         "created_by": by, "status": case.status, "data": case.data})
    return sorted(rows, key=lambda r: r["created_at"])


def _export(args: argparse.Namespace) -> int:
    from runtime.export import write_csv, write_xlsx

    try:
        hb, form = _load_form(args)
    except HandbookError as exc:
        return _fail(str(exc))
    try:
        if args.records is not None:
            records: list[Any] = _records_from_jsonl(args.records, form.id)
        else:
            records = _records_from_store(hb, args.data_dir or default_data_dir(), form.id,
                                          args.property)
    except (OSError, ValueError, HandbookError) as exc:
        return _fail(str(exc))
    writer = write_csv if args.format == "csv" else write_xlsx
    count = writer(form, records, args.out, args.lang)
    print(f"{args.out}: {count} record(s)")
    return 0
