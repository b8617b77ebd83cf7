"""Text that can always be printed: the hostile corpus goes validate → store → HTML / PDF /
CSV / XLSX for every shipped form with free text. Lone surrogates are *refused* at validation
with a field message (never replaced, so what is stored is what was typed); a record that holds
one anyway (older data, a direct import) still renders and exports, showing `[U+D800]`."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from runtime.export import csv_bytes, xlsx_bytes
from runtime.forms import clean, validate
from runtime.forms.samples import HOSTILE, hostile_sample
from runtime.forms.validation import format_checker, unencodable
from runtime.printing import render_html, render_pdf
from runtime.store import open_store
from runtime.store.records import create_record, get_record
from tests.forms.shipped import get, shipped, text_specs

PAIRS = [p for p in shipped() if text_specs(get(*p)[1])]


def ids(pairs: list[tuple[str | None, str]]) -> list[str]:
    """Test ids: `form-id` or `property/form-id`."""
    return [f"{pid}/{fid}" if pid else fid for pid, fid in pairs]

# Printable but awkward: astral CJK and emoji (beyond the PDF font's plane), noncharacters,
# the last code point, combining marks, direction and joiner controls, a 3,000-character word.
PRINTABLE = (*HOSTILE, "𠀀𪚥😀👨‍👩‍👧", "\ufffe\uffff\U0010ffff", "e\u0301\u0308\u20dd",
             "\u202eabc\u2066\u200d", "x" * 3000)
# Not encodable at all: lone surrogates (a UTF-16 pair typed as two code points is two).
UNENCODABLE = ("\ud800", "abc\udfffdef", "\ud83d\ude00", "正常\udbff")


def _outputs(hb: Any, form: Any, record: dict[str, Any], pdf: bool = True
             ) -> dict[str, bytes]:
    from openpyxl import load_workbook

    out = {"html": render_html(hb, form, record).encode("utf-8"),
           "csv": csv_bytes(form, [record])}
    if pdf:  # the slow two: drawn for the joined corpus, which holds every character class
        out["pdf"] = render_pdf(hb, form, record)
        out["xlsx"] = xlsx_bytes(form, [record])
        load_workbook(io.BytesIO(out["xlsx"]))  # a workbook Excel can open
        assert out["pdf"].startswith(b"%PDF")
    return out


@pytest.mark.parametrize("text", UNENCODABLE, ids=[f"surrogate{i}" for i in range(4)])
@pytest.mark.parametrize(("pid", "fid"), PAIRS, ids=ids(PAIRS))
def test_surrogates_are_refused_with_a_field_message(pid: str | None, fid: str,
                                                     text: str) -> None:
    _, form = get(pid, fid)
    data = hostile_sample(form, text)
    errors = validate(form, data)
    found = unencodable(data)
    assert found
    for path, code in found:
        assert path in errors, (path, errors)
        assert code in errors[path] and "无法保存和打印" in errors[path]
    assert "cannot be stored or printed" in validate(form, data, "en")[found[0][0]]


@pytest.mark.parametrize(("pid", "fid"), PAIRS, ids=ids(PAIRS))
def test_hostile_corpus_validates_stores_and_prints(pid: str | None, fid: str,
                                                    tmp_path: Path) -> None:
    hb, form = get(pid, fid)
    store = open_store(tmp_path / "store")
    try:
        # Each text alone through HTML/CSV; PDF and XLSX (slow) once for all of them joined.
        joined = "".join(t[:200] for t in PRINTABLE)
        for i, text in enumerate((*PRINTABLE, joined)):
            data = clean(form, hostile_sample(form, text))
            assert not unencodable(data)
            validate(form, data)  # may refuse (lengths, patterns) but never raises
            rec = create_record(store, form_id=form.id, form_version=form.meta.version,
                                ruleset_hash="h", property=pid or "company",
                                created_by="王小明", data=data, number_prefix=form.number_prefix)
            stored = get_record(store, rec.id)
            assert stored.data == data, i
            record = {"number": stored.number, "created_at": stored.created_at,
                      "data": stored.data}
            _outputs(hb, form, record, pdf=text is joined)
    finally:
        store.close()


@pytest.mark.parametrize(("pid", "fid"), PAIRS[:3], ids=ids(PAIRS[:3]))
def test_a_stored_surrogate_still_renders_and_exports(pid: str | None, fid: str,
                                                      tmp_path: Path) -> None:
    """Defence in depth: data that bypassed validation prints `[U+D800]`, never crashes."""
    hb, form = get(pid, fid)
    data = hostile_sample(form, "前\ud800后")
    store = open_store(tmp_path / "store")
    try:
        rec = create_record(store, form_id=form.id, form_version=form.meta.version,
                            ruleset_hash="h", property=pid or "company", created_by="x",
                            data=data, number_prefix=form.number_prefix)
        stored = get_record(store, rec.id)
    finally:
        store.close()
    outputs = _outputs(hb, form, {"number": stored.number, "data": stored.data})
    assert b"[U+D800]" in outputs["html"] and b"[U+D800]" in outputs["csv"]


# Formats mean what they say (cases written for this project after the categories of the
# JSON-Schema-Test-Suite's optional/format tests for draft 2020-12).
FORMAT_CASES = [
    ("uri", "http://foo.bar/?baz=qux#quux", True),
    ("uri", "mailto:John.Doe@example.com", True),
    ("uri", "urn:oasis:names:specification:docbook:dtd:xml:4.1.2", True),
    ("uri", "ldap://[2001:db8::7]/c=GB?objectClass?one", True),
    ("uri", "/abc", False),
    ("uri", "//foo.bar/?baz=qux", False),
    ("uri", "abc", False),
    ("uri", "http:// shouldfail.com", False),
    ("uri", "https://example.org/foobar®.txt", False),
    ("uri", "http://example.com/%6G", False),
    ("uri", "1http://example.com", False),
    ("uri", "http://example.com:abc/path", False),
    ("email", "joe.bloggs@example.com", True),
    ("email", '"joe bloggs"@example.com', True),
    ("email", "joe.bloggs@[127.0.0.1]", True),
    ("email", "test@io", True),
    ("email", "2962", False),
    ("email", ".test@example.com", False),
    ("email", "te..st@example.com", False),
    ("email", "joe.bloggs@invalid=domain.com", False),
    ("email", "user1@oceania.org, user2@oceania.org", False),
    ("email", "a\u00e9@iana.org", False),
    ("email", "test@iana.org\n", False),
    ("email", "a@b@c.org", False),
    ("idn-email", "用户@例子.广告", True),
    ("uuid", "2EB8AA08-AA98-11EA-B4AA-73B441D16380", True),
    ("uuid", "00000000-0000-0000-0000-000000000000", True),
    ("uuid", "2eb8aa08aa9811eab4aa73b441d16380", False),
    ("uuid", "urn:uuid:2eb8aa08-aa98-11ea-b4aa-73b441d16380", False),
    ("uuid", "2eb8aa0-8aa98-11e-ab4aa7-3b441d16380", False),
    ("hostname", "www.example.com", True),
    ("hostname", "-a-host-name-that-starts-with--", False),
    ("ipv4", "192.168.0.1", True),
    ("ipv4", "256.256.256.256", False),
    ("duration", "P4DT12H30M5S", True),
    ("duration", "PT1D", False),
    ("date", "2026-02-29", False),
    ("date-time", "2026-01-31T14:30:00", True),
    ("time", "14:30", True),
]


@pytest.mark.parametrize(("fmt", "value", "valid"), FORMAT_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(FORMAT_CASES)])
def test_formats_mean_what_they_say(fmt: str, value: str, valid: bool) -> None:
    assert format_checker().conforms(value, fmt) is valid
    assert format_checker().conforms(12, fmt)  # formats apply to strings only


def test_format_errors_reach_the_form_message() -> None:
    from tests.forms.shipped import make_form

    form = make_form("""
schema:
  type: object
  properties:
    site: {type: string, title: 网址, format: uri}
    mail: {type: string, title: 邮箱, format: email}
""")
    errors = validate(form, {"site": "not a uri", "mail": "a@"})
    assert set(errors) == {"site", "mail"}
    assert json.dumps(errors, ensure_ascii=False).count("格式不正确") == 2
