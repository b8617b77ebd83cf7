"""`handbook bench postgres`: the synthetic volume fits after data already in the database."""

from __future__ import annotations

from runtime.store.postgres.bench import CASES_PER_YEAR, RECORDS_PER_CASE, TASKS_PER_CASE, synth


def test_synthetic_ids_start_after_the_given_ones_and_links_follow() -> None:
    first = {"cases": 100, "records": 2000, "tasks": 300}
    docs = list(synth(2, 1, first=first))
    ids: dict[str, list[int]] = {"cases": [], "records": [], "tasks": []}
    for table, doc_id, _doc in docs:
        ids[table].append(doc_id)
    n = 2 * CASES_PER_YEAR
    assert ids["cases"] == list(range(101, 101 + n))
    assert ids["records"] == list(range(2001, 2001 + n * RECORDS_PER_CASE))
    assert ids["tasks"] == list(range(301, 301 + n * TASKS_PER_CASE))
    cases = set(ids["cases"])
    # every task and record points at one of the synthetic cases, never at data loaded before
    assert {int(d["case_id"]) for t, _i, d in docs if t != "cases"} == cases
