"""`handbook demo-data`: realistic history through the engine, reproducible, readable by the app."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from runtime.cli import main
from runtime.engine.demo import OPEN_DAYS, DemoBuilder, generate
from runtime.engine.store_repo import StoreRepository
from runtime.errors import HandbookError
from runtime.store import open_memory_store, open_store

END = date(2026, 11, 30)
PROPERTY = "zhongxing-apartments"


@pytest.fixture(scope="module")
def built() -> tuple[Any, Any]:
    store = open_memory_store()
    report = generate(store, PROPERTY, years=30 / 365.25, end=END, seed=3)
    return store, report


def test_a_month_has_the_documented_mix(built: tuple[Any, Any]) -> None:
    store, report = built
    assert report.start == END - timedelta(days=29)
    by = report.by_procedure
    assert by["duty-handover"] == 30  # one handover a day
    # ~2 complaints and ~2.2 help requests a day: Poisson, so a generous band
    assert 35 <= by["complaint-handling"] <= 90 and 40 <= by["help-request"] <= 100
    assert store.count("cases") == report.cases + report.handed_off
    assert report.records > 0 and store.count("records") >= report.records
    kinds = Counter(d["form_id"] for d in store.all("records"))
    assert kinds["temporary-pass"] > 30 and kinds["construction-defect-register"] > 15


def test_cases_were_worked_through_their_steps(built: tuple[Any, Any]) -> None:
    store, report = built
    repo = StoreRepository(store)
    cases = repo.find_cases(property=PROPERTY)
    closed = [c for c in cases if c.status != "open"]
    still_open = [c for c in cases if c.status == "open"]
    assert len(closed) > 0.7 * len(cases)
    assert report.open_cases == len(still_open) > 0
    # only the last days' work stays open, as at a real front desk
    assert all(c.created_at.date() > END - timedelta(days=OPEN_DAYS) for c in still_open)
    assert all(len(c.visits) >= 2 for c in closed)
    steps = {v.step for c in cases if c.procedure_id == "complaint-handling" for v in c.visits}
    # the handbook's branches are all taken somewhere: on the spot, invalid, assisted, escalated
    assert {"on-spot-report", "explain", "refer-department", "callback", "close"} <= steps
    breaches = sum(e.type == "clock-breach" for c in cases for e in c.events)
    assert 0 < breaches < 0.5 * len(cases)  # late cases breach; most work is on time
    done = [v for c in closed for v in c.visits if v.left_by == "complete"]
    assert sum(1 for v in done if v.by) > 0.9 * len(done)  # people did the work, by name


def test_same_seed_same_history() -> None:
    a, b = open_memory_store(), open_memory_store()
    ra = generate(a, PROPERTY, years=5 / 365.25, end=END, seed=11)
    rb = generate(b, PROPERTY, years=5 / 365.25, end=END, seed=11)
    assert ra.as_dict() == rb.as_dict()
    strip = ("created_at", "updated_at", "rev")
    rows = [[{k: v for k, v in d.items() if k not in strip} for d in s.all("records")]
            for s in (a, b)]
    assert rows[0] == rows[1]


@pytest.mark.parametrize(("args", "message"), [
    (["--years", "0"], "more than 0"),
    (["--property", "nowhere"], "unknown property 'nowhere'"),
])
def test_bad_arguments_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    args: list[str], message: str) -> None:
    argv = ["demo-data", "--years", "0.01", "--property", PROPERTY, "--data", str(tmp_path)]
    for flag, value in zip(args[::2], args[1::2], strict=True):
        argv[argv.index(flag) + 1] = value
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_cli_writes_the_data_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["demo-data", "--years", "0.01", "--property", PROPERTY, "--data", str(tmp_path),
                 "--end", "2026-11-30", "--json"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["end"] == "2026-11-30" and summary["cases"] > 0
    with open_store(tmp_path / "store") as store:
        assert store.count("cases") == summary["cases"] + summary["handed_off"]
        assert store.count("users") > 0  # the demo accounts who did the work can sign in


def test_unknown_property_is_refused_before_writing() -> None:
    store = open_memory_store()
    with pytest.raises(HandbookError):
        generate(store, "nowhere", years=1)
    assert store.count("cases") == 0


def test_a_failure_mid_day_leaves_only_whole_days(monkeypatch: pytest.MonkeyPatch) -> None:
    # One store transaction a day: what breaks on a day (here the third case of the last
    # day, after two were worked) takes that whole day back; the days before stay complete.
    store = open_memory_store()
    real = DemoBuilder.case
    on_last_day: list[str] = []

    def case(self: DemoBuilder, procedure_id: str, at: Any, **kw: Any) -> None:
        if at.date() == END:
            on_last_day.append(procedure_id)
            if len(on_last_day) == 3:
                raise RuntimeError("killed")
        real(self, procedure_id, at, **kw)

    monkeypatch.setattr(DemoBuilder, "case", case)
    with pytest.raises(RuntimeError, match="killed"):
        generate(store, PROPERTY, years=3 / 365.25, end=END, seed=5)
    kept = {(END - timedelta(days=n)).isoformat() for n in (1, 2)}
    assert {d["created_at"][:10] for d in store.all("cases")} == kept
    assert {d["created_at"][:10] for d in store.all("records")} <= kept
    case_ids = {str(d["id"]) for d in store.all("cases")}
    assert {str(t["case_id"]) for t in store.all("tasks")} <= case_ids
    numbers = sorted(d["number"] for d in store.all("cases"))
    assert len(set(numbers)) == len(numbers) == len(case_ids)


def test_the_last_days_are_the_same_whatever_the_length() -> None:
    # Each day has its own seed: a longer history ends in the very same open work, which is
    # what lets `bench volume` compare history sizes with the same work open.
    short, long = open_memory_store(), open_memory_store()
    generate(short, PROPERTY, years=OPEN_DAYS / 365.25, end=END, seed=5)
    generate(long, PROPERTY, years=(OPEN_DAYS + 4) / 365.25, end=END, seed=5)

    def work(store: Any, since: date) -> list[tuple[Any, ...]]:
        cases = StoreRepository(store).find_cases(property=PROPERTY)
        return sorted((c.procedure_id, c.created_at, c.status, c.step, json.dumps(
            {k: v for k, v in c.data.items() if k != "number"}, sort_keys=True))
            for c in cases if c.created_at.date() >= since)

    since = END - timedelta(days=OPEN_DAYS - 1)
    assert work(short, since) == work(long, since) != []
    assert len(work(long, since - timedelta(days=4))) > len(work(short, since))
