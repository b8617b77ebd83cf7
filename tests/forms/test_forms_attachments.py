"""Attachments: content-addressed files written atomically, referenced from form data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from runtime.forms import form_spec
from runtime.forms.attachments import attachment_name, attachment_value, save_attachment
from runtime.forms.samples import sample_for_pattern
from runtime.printing import render_html
from tests.forms.shipped import KITCHEN_SINK, make_form

SINK = make_form(KITCHEN_SINK)


def test_save_is_content_addressed_and_deduplicated(tmp_path: Path) -> None:
    digest, ref = save_attachment("漏水 照片.JPG", b"\xff\xd8photo", "image/jpeg", tmp_path)
    again, ref2 = save_attachment("other.jpg", b"\xff\xd8photo", "image/jpeg", tmp_path)
    assert digest == again and ref == ref2 == f"attachments/{digest}.jpg"
    assert (tmp_path / ref).read_bytes() == b"\xff\xd8photo"
    assert [p.name for p in (tmp_path / "attachments").iterdir()] == [f"{digest}.jpg"]


@pytest.mark.parametrize("name", ["../../etc/passwd", "a\x00b.exe", "", "x" * 500 + ".png"])
def test_hostile_file_names_stay_inside(tmp_path: Path, name: str) -> None:
    _, ref = save_attachment(name, b"data", "", tmp_path)
    path = (tmp_path / ref).resolve()
    assert path.parent == (tmp_path / "attachments").resolve()
    spec = form_spec(SINK).by_path["photo"]
    value = attachment_value(spec, name, "d" * 64, ref, "", 4)
    assert isinstance(value, str) and "\x00" not in value and "/" not in attachment_name(value)


def test_value_shape_follows_the_schema() -> None:
    spec = form_spec(SINK).by_path["photo"]
    assert attachment_value(spec, "a.jpg", "ab", "attachments/ab.jpg", "image/jpeg", 3) == \
        "att:ab/a.jpg"
    form = make_form("""
        schema:
          type: object
          properties:
            files:
              {type: array, title: 附件,
               items: {type: object, properties: {name: {type: string}}}}
        ui: {fields: {files: {widget: file}}}
        """)
    fspec = form_spec(form).by_path["files"]
    value = attachment_value(fspec, "a.pdf", "ab", "attachments/ab.pdf", "application/pdf", 3)
    assert value == {"name": "a.pdf", "ref": "attachments/ab.pdf", "type": "application/pdf",
                     "size": 3}
    assert attachment_name(value) == "a.pdf"


def test_attachments_print_by_name() -> None:
    page = render_html(None, SINK, {"data": {"photo": ["att:ab/现场.jpg", "att:cd/二.png"]}})
    assert "现场.jpg、二.png" in page


@pytest.mark.parametrize("pattern", [
    r"^[0-9]{4}-(0[1-9]|1[0-2])$", r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$",
    r"^[A-Z]{2}\d{3}$", r"^\w+@\w+\.(com|cn)$", r"^[^0-9]{3,5}$", r"^(a|b)*c+$", r"\d",
])
def test_pattern_samples_match(pattern: str) -> None:
    text = sample_for_pattern(pattern)
    assert text is not None and re.search(pattern, text)


def test_pattern_sample_respects_length() -> None:
    text = sample_for_pattern(r"^[a-z]+$", 5, 8)
    assert text is not None and 5 <= len(text) <= 8
    assert sample_for_pattern(r"^(?=x)y$") is None  # impossible: no crash, no wrong answer
