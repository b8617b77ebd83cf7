"""Seed 002's company handbook numbers duties 1.0, 1.1 … 2.0, ①②③ and a)–g): the rules number
them 1, 2, 3 (`no`) and keep the handbook's own numbering (or the procedure clause a duty comes
from) as the display `label`."""

from __future__ import annotations

import pytest

from runtime.compiler import model as m
from runtime.compiler.pipeline import load
from tests.conftest import FORMS, RULES


@pytest.fixture(scope="module")
def hb() -> m.Handbook:
    """The company view."""
    return load(RULES, FORMS)


def _department(hb: m.Handbook, dept_id: str) -> m.Department:
    assert hb.company is not None
    return next(d for d in hb.company.departments if d.id == dept_id)


@pytest.mark.parametrize(("dept_id", "labels"), [
    ("general-affairs", ["1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "1.8", "1.9",
                         "2.0"]),
    ("service-centre", ["1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6"]),
])
def test_department_duties_keep_the_decimal_numbering(hb: m.Handbook, dept_id: str,
                                                      labels: list[str]) -> None:
    duties = _department(hb, dept_id).duties
    assert [d.label for d in duties] == labels
    assert [d.no for d in duties] == list(range(1, len(labels) + 1))


@pytest.mark.parametrize(("role_id", "labels"), [
    ("general-affairs-supervisor", ["1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7"]),
    ("accountant", ["①", "②", "③"]),
    ("duty-officer", ["4.1.3 a)", "4.1.3 b)", "4.1.3 c)", "4.1.3 d)", "4.1.3 e)", "4.1.3 f)",
                      "4.1.3 g)", "4.1.8"]),
    # Duties taken from procedure clauses keep the clause number.
    ("security-supervisor", ["4.2.1 a)", "4.2.1 c)", "4.1.7"]),
    ("security-shift-leader", ["4.2.1 a)", "4.2.1 b)", "4.2.1 c)"]),
    ("security-guard", ["4.2.1 a)", "4.2.1 b)", "4.2.1 c)"]),
])
def test_role_duties_keep_the_handbook_numbering(hb: m.Handbook, role_id: str,
                                                 labels: list[str]) -> None:
    duties = hb.roles[role_id].duties
    assert [d.label for d in duties] == labels
    assert [d.no for d in duties] == list(range(1, len(labels) + 1))


def test_the_label_does_not_replace_the_text(hb: m.Handbook) -> None:
    """Labels are display only: the texts start with the handbook's words, not the number."""
    last = _department(hb, "general-affairs").duties[-1]
    assert (last.label, last.text) == ("2.0", "完成公司其他临时工作。")


def test_roles_numbered_1_2_3_carry_no_label(hb: m.Handbook) -> None:
    for role_id in ("quality-officer", "management-representative", "office-manager"):
        assert all(d.label is None for d in hb.roles[role_id].duties), role_id
