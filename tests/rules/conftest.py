"""Shared fixtures of the per-procedure rule tests: a module names its view and procedure with
module constants PROPERTY (absent: the company view) and PROCEDURE."""

from __future__ import annotations

import pytest

from runtime.compiler import model as m
from runtime.compiler.pipeline import load
from tests.conftest import FORMS, RULES


@pytest.fixture(scope="module")
def hb(request: pytest.FixtureRequest) -> m.Handbook:
    """The handbook view of the module's PROPERTY."""
    return load(RULES, FORMS, property=getattr(request.module, "PROPERTY", None))


@pytest.fixture(scope="module")
def proc(hb: m.Handbook, request: pytest.FixtureRequest) -> m.Procedure:
    """The module's PROCEDURE in that view."""
    return hb.procedures[request.module.PROCEDURE]
