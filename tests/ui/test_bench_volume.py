"""`handbook bench volume` pieces that need no history build (the build is benchmarked)."""

from __future__ import annotations

from runtime.store.embedded.store import Store


def test_bench_volume_signs_in_the_account_with_the_most_open_work() -> None:
    from runtime.ui.bench_volume import PROPERTY, _busiest_user

    with Store(None) as s:
        for name, roles in (("frontdesk.x", ["front-desk"]), ("duty.x", ["duty-officer"])):
            s.insert("users", {"username": name, "roles": roles, "property": PROPERTY,
                               "demo": True})
        s.insert("users", {"username": "other", "roles": ["duty-officer"], "property": "p2",
                           "demo": True})
        for role, status in (("duty-officer", "open"), ("duty-officer", "open"),
                             ("front-desk", "open"), ("front-desk", "done"),
                             ("front-desk", "done")):
            s.insert("tasks", {"assignee_role": role, "status": status, "property": PROPERTY})
        assert _busiest_user(s) == "duty.x"
