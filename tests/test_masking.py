"""One masking at every exit: every `personal: true` field of every shipped form (nested rows
included) is checked on screen, in print (HTML and PDF), CSV, XLSX and search for the masked
account (`quality`), and shown in full to a role that may see personal data."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from runtime import auth, load
from runtime.compiler import model as m
from runtime.compiler.pipeline import compiled
from runtime.export import csv_bytes, xlsx_bytes
from runtime.forms.samples import valid_sample
from runtime.masking import mask_text, mask_value, personal_paths, strip_personal
from runtime.printing import render_html, render_pdf

ROOT = Path(__file__).resolve().parent.parent


def _all_forms() -> dict[str, tuple[m.Handbook, m.Form]]:
    views = compiled(ROOT / "rules", ROOT / "forms").views
    out: dict[str, tuple[m.Handbook, m.Form]] = {}
    for view in views.values():
        for fid, form in view.forms.items():
            out.setdefault(fid, (view, form))
    return out


FORMS = _all_forms()
PERSONAL = sorted((fid, path) for fid, (_, form) in FORMS.items()
                  for path in personal_paths(form))


def test_the_list_covers_every_personal_hint_in_the_shipped_files() -> None:
    """Independent count: each `personal: true` in forms/*.yaml is one listed path."""
    marked = sum(p.read_text(encoding="utf-8").count("personal: true")
                 for p in (ROOT / "forms").glob("*.yaml"))
    assert len(PERSONAL) == marked
    assert ("renovation-permit", "workers[].id_no") in PERSONAL


def _secret(i: int) -> str:
    return f"9{i:02d}{i:03d}77{i:04d}31"  # 14 digits, unique per field, not in any sample


def _put(data: dict[str, Any], path: str, value: str) -> None:
    if "[]." in path:
        head, rest = path.split("[].", 1)
        rows = data.get(head) if isinstance(data.get(head), list) and data.get(head) else [{}]
        data[head] = [dict(r) if isinstance(r, dict) else {} for r in rows] + [{}]
        for row in data[head]:
            _put(row, rest, value)
        return
    if "." in path:
        head, rest = path.split(".", 1)
        sub = data.get(head) if isinstance(data.get(head), dict) else {}
        data[head] = dict(sub)
        _put(data[head], rest, value)
        return
    data[path] = value


def _filled(fid: str) -> tuple[m.Handbook, m.Form, dict[str, Any], dict[str, str]]:
    hb, form = FORMS[fid]
    data = dict(valid_sample(form))
    secrets = {}
    for i, (f, path) in enumerate(PERSONAL):
        if f == fid:
            secrets[path] = _secret(i)
            _put(data, path, secrets[path])
    return hb, form, data, secrets


def _caps(role: str, hb: m.Handbook) -> auth.Capabilities:
    return auth.capabilities(auth.User("u", "u", (role,), None), hb)


@pytest.fixture(scope="module")
def quality() -> auth.Capabilities:
    hb = load(ROOT / "rules", ROOT / "forms")
    caps = _caps("quality-officer", hb)
    assert not caps.sees_personal_data
    return caps


PERSONAL_FORMS = sorted({fid for fid, _ in PERSONAL})


def _exits(hb: m.Handbook, form: m.Form, data: dict[str, Any], caps: auth.Capabilities,
           tmp_path: Path) -> dict[str, str]:
    """What each exit shows `caps` for one record, as text."""
    masked = not caps.sees_personal_data
    record = {"number": "R-1", "created_at": "2026-01-05T10:00:00", "data": data}
    shown = {"screen": json.dumps(auth.mask_record(data, form, caps), ensure_ascii=False)}
    shown["print"] = render_html(hb, form, record, mask_personal=masked)
    tool = shutil.which("pdftotext")
    if tool is not None:
        pdf = tmp_path / "r.pdf"
        pdf.write_bytes(render_pdf(hb, form, record, mask_personal=masked))
        text = subprocess.run([tool, str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        shown["pdf"] = re.sub(r"\s+", "", text)
    shown["csv"] = csv_bytes(form, [record], mask_personal=masked).decode("utf-8")
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx_bytes(form, [record], mask_personal=masked)))
    sheet = book.active
    assert sheet is not None
    shown["xlsx"] = "\n".join(str(c.value) for row in sheet.iter_rows() for c in row)
    searchable = strip_personal(form, data) if masked else data
    shown["search"] = json.dumps(searchable, ensure_ascii=False)
    return shown


@pytest.mark.parametrize("fid", PERSONAL_FORMS)
def test_every_exit_masks_every_personal_field(fid: str, quality: auth.Capabilities,
                                               tmp_path: Path) -> None:
    hb, form, data, secrets = _filled(fid)
    shown = _exits(hb, form, data, quality, tmp_path)
    for path, secret in secrets.items():
        for exit_name, text in shown.items():
            assert secret not in text, (fid, path, exit_name)
        # the masked form is what screen, print and exports show
        for exit_name in ("screen", "print", "csv", "xlsx"):
            assert mask_text(secret) in shown[exit_name], (fid, path, exit_name)


@pytest.mark.parametrize("fid", PERSONAL_FORMS)
def test_a_role_that_sees_personal_data_sees_it(fid: str, tmp_path: Path) -> None:
    hb, form, data, secrets = _filled(fid)
    caps = _caps("front-desk", load(ROOT / "rules", ROOT / "forms"))
    assert caps.sees_personal_data
    shown = _exits(hb, form, data, caps, tmp_path)
    for path, secret in secrets.items():
        for exit_name in ("screen", "print", "csv", "xlsx", "search"):
            assert secret in shown[exit_name], (fid, path, exit_name)


@pytest.mark.parametrize(("value", "masked"), [
    ("13812345678", "138****5678"), ("110101199001011234", "110***********1234"),
    ("12345678", "12****78"), ("12345", "1***5"), ("1234", "****"), ("", ""), (None, None),
    (["13812345678"], ["138****5678"]), ({"a": "13812345678"}, {"a": "138****5678"}),
])
def test_the_one_rule(value: Any, masked: Any) -> None:
    assert mask_value(value) == masked
    assert auth.mask(value) == masked


# ---- search: the store's index and the search page -----------------------------------------

ID_NO = "440301199001011234"


def _permit_record(store: Any) -> Any:
    from runtime.engine.store_repo import personal_paths as store_paths
    from runtime.store.records import create_record

    _, form = FORMS["renovation-permit"]
    data = dict(valid_sample(form))
    _put(data, "workers[].id_no", ID_NO)
    return create_record(store, form_id=form.id, form_version=form.meta.version,
                         ruleset_hash="h", property="taoyuan-village", created_by="前台",
                         data=data, number_prefix=form.number_prefix,
                         personal=store_paths(form))


def test_store_search_keeps_nested_personal_values_out_for_masked_callers(
        tmp_path: Path) -> None:
    from runtime.engine.store_repo import personal_paths as store_paths
    from runtime.store import open_store

    _, form = FORMS["renovation-permit"]
    assert set(store_paths(form)) == set(personal_paths(form))  # one definition
    store = open_store(tmp_path / "store")
    try:
        rec = _permit_record(store)
        hidden = store.search_records(properties=["taoyuan-village"], text=ID_NO,
                                      personal=False)
        shown = store.search_records(properties=["taoyuan-village"], text=ID_NO,
                                     personal=True)
        assert [d["number"] for d in shown.items] == [rec.number]
        assert list(hidden.items) == []
        # the ID's tail alone does not find it either (its masked form shows the tail)
        assert list(store.search_records(properties=["taoyuan-village"], text=ID_NO[-4:],
                                         personal=False).items) == []
    finally:
        store.close()


def test_search_page_does_not_find_a_nested_id_number_for_the_masked_account(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    from runtime.store import open_store
    from tests.ui.conftest import open_page
    from tests.ui.conftest import sign_in as app_sign_in

    data = tmp_path / "data"
    monkeypatch.setenv("HANDBOOK_DATA", str(data))
    store = open_store(data / "store")
    try:
        number = _permit_record(store).number
    finally:
        store.close()

    def search(username: str, text: str) -> AppTest:
        at = open_page(app_sign_in(username), "search")
        at.text_input(key="search_text").input(text).run()
        assert not at.exception
        return at

    def screen(at: AppTest) -> str:
        return json.dumps([j.value for j in at.json], ensure_ascii=False, default=str)

    masked = search("quality", ID_NO)
    assert not any(number in str(e.label) for e in masked.expander)
    # found by its number, the record shows the nested ID number masked on screen
    by_number = search("quality", number)
    assert any(number in str(e.label) for e in by_number.expander)
    assert ID_NO not in screen(by_number) and mask_text(ID_NO) in screen(by_number)
    seer = search("frontdesk.taoyuan", ID_NO)
    assert any(number in str(e.label) for e in seer.expander)
    assert ID_NO in screen(seer)
