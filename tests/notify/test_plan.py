"""Who is told what: quiet hours, digest periods and the fan-out to people and channels."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import pytest

from runtime.compiler import model as m
from runtime.notify import plan
from runtime.notify.plan import Message, Person

QUIET = m.QuietHours(time(22, 0), time(7, 0))


def _weekday(d: Any) -> bool:
    return bool(d.weekday() < 5)


def dt(text: str) -> datetime:
    """`2026-03-02 09:00` → datetime."""
    return datetime.fromisoformat(text)


# ---------------------------------------------------------------- quiet hours


@pytest.mark.parametrize(("at", "released"), [
    ("2026-03-02 12:00", "2026-03-02 12:00"),  # daytime: not held
    ("2026-03-02 21:59", "2026-03-02 21:59"),
    ("2026-03-02 22:00", "2026-03-03 07:00"),  # the start is quiet
    ("2026-03-02 23:30", "2026-03-03 07:00"),  # over midnight
    ("2026-03-03 02:00", "2026-03-03 07:00"),
    ("2026-03-03 07:00", "2026-03-03 07:00"),  # the end is not quiet
])
def test_quiet_hours_over_midnight(at: str, released: str) -> None:
    assert plan.release_time(QUIET, _weekday, dt(at)) == dt(released)


def test_quiet_hours_within_one_day() -> None:
    lunch = m.QuietHours(time(12, 0), time(13, 30))
    assert plan.release_time(lunch, _weekday, dt("2026-03-02 12:10")) == dt("2026-03-02 13:30")
    assert plan.release_time(lunch, _weekday, dt("2026-03-02 11:59")) == dt("2026-03-02 11:59")
    assert plan.release_time(lunch, _weekday, dt("2026-03-02 13:30")) == dt("2026-03-02 13:30")


def test_rest_days_hold_until_the_first_working_morning() -> None:
    q = m.QuietHours(time(22, 0), time(7, 0), non_working_days=True)
    # Friday 23:00 → Saturday and Sunday are rest days → Monday 00:00 is still night → 07:00.
    assert plan.release_time(q, _weekday, dt("2026-03-06 23:00")) == dt("2026-03-09 07:00")
    assert plan.release_time(q, _weekday, dt("2026-03-07 15:00")) == dt("2026-03-09 07:00")
    # Rest days only (no hours): Monday midnight.
    days_only = m.QuietHours(non_working_days=True)
    assert plan.release_time(days_only, _weekday, dt("2026-03-08 10:00")) == dt(
        "2026-03-09 00:00")
    assert plan.release_time(days_only, _weekday, dt("2026-03-09 03:00")) == dt(
        "2026-03-09 03:00")


def test_a_public_holiday_of_the_calendar_is_quiet() -> None:
    holidays = {date(2026, 10, d) for d in range(1, 8)}

    def working(d: Any) -> bool:
        return d not in holidays and d.weekday() < 5

    q = m.QuietHours(non_working_days=True)
    assert plan.release_time(q, working, dt("2026-10-01 09:00")) == dt("2026-10-08 00:00")


def test_no_quiet_hours_releases_at_once() -> None:
    assert plan.release_time(None, _weekday, dt("2026-03-07 03:00")) == dt("2026-03-07 03:00")


# ---------------------------------------------------------------- digest periods


@pytest.mark.parametrize(("every", "at", "slot"), [
    (60, "2026-03-02 10:15", "2026-03-02 11:00"),
    (60, "2026-03-02 10:00", "2026-03-02 11:00"),  # a boundary starts the next period
    (60, "2026-03-02 23:59", "2026-03-03 00:00"),
    (30, "2026-03-02 10:29", "2026-03-02 10:30"),
    (1440, "2026-03-02 10:15", "2026-03-03 00:00"),  # daily: at midnight
])
def test_digest_slot_is_the_end_of_the_period(every: int, at: str, slot: str) -> None:
    assert plan.digest_slot(every, dt(at)) == dt(slot)


# ---------------------------------------------------------------- fan-out

BOSS = Person("wang", "wang@example.test", "en", ("boss",))
CLERK = Person("li", "li@example.test", "zh", ("clerk",))
NOMAIL = Person("zhao", None, "zh", ("clerk",))
HOLDERS = {"boss": [BOSS], "clerk": [CLERK, NOMAIL], "guard": []}
USERS = {p.username: p for p in (BOSS, CLERK, NOMAIL)}
SETTINGS = m.Notifications(
    channels=(m.ChannelRule(("boss",), ("email", "ops")),
              m.ChannelRule(("clerk",), ("email",), ("step-entered",))),
    robots=(m.Robot("ops", "wecom", "HB_OPS"),),
    quiet_hours=QUIET)
ENV = {"HANDBOOK_SMTP_HOST": "127.0.0.1", "HB_OPS": "http://127.0.0.1:1/x"}


def _msg(kind: str, roles: tuple[str, ...] = (), users: tuple[str, ...] = (),
         key: str = "case/1/ev3") -> Message:
    return Message(key=key, kind=kind, property=None, at=dt("2026-03-02 23:00"),
                   title="投诉", title_en="complaint", roles=roles, users=users,
                   due_at=dt("2026-03-03 09:00"), case_id="1", number="TS-1",
                   link="inbox?case=1")


def _fan(msg: Message, settings: m.Notifications = SETTINGS, now: str = "2026-03-02 23:00",
         env: dict[str, str] | None = ENV) -> dict[tuple[str, str], dict[str, Any]]:
    entries = plan.fan_out(msg, settings, lambda p, r: HOLDERS.get(r, []), USERS.get,
                           _weekday, dt(now), env)
    return {(e["channel"], e["recipient"]): e for e in entries}


def test_every_holder_gets_the_inbox_and_channels_follow_the_rules() -> None:
    got = _fan(_msg("step-entered", roles=("clerk", "boss")))
    assert set(got) == {("inbox", "li"), ("inbox", "zhao"), ("inbox", "wang"),
                        ("email", "li"), ("email", "wang"), ("wecom", "ops")}
    assert got[("wecom", "ops")]["robot"]["url_env"] == "HB_OPS"
    # Keys are deterministic: the same message twice gives the same keys (insert-if-absent).
    assert set(e["key"] for e in _fan(_msg("step-entered", roles=("clerk", "boss"))).values()) \
        == {e["key"] for e in got.values()}
    assert got[("email", "li")]["key"] == "case/1/ev3|email|li"


def test_kinds_limit_a_channel_rule() -> None:
    got = _fan(_msg("warning", roles=("clerk",)))
    assert set(got) == {("inbox", "li"), ("inbox", "zhao")}  # clerk e-mail is step-entered only


def test_quiet_hours_hold_external_channels_but_never_the_inbox_or_urgent_kinds() -> None:
    held = _fan(_msg("step-entered", roles=("boss",)))
    assert held[("inbox", "wang")]["next_attempt_at"] == "2026-03-02T23:00:00"
    assert held[("email", "wang")]["next_attempt_at"] == "2026-03-03T07:00:00"
    assert held[("wecom", "ops")]["deliver_after"] == "2026-03-03T07:00:00"
    urgent = _fan(_msg("breach", roles=("boss",)))
    assert urgent[("email", "wang")]["next_attempt_at"] == "2026-03-02T23:00:00"
    custom = m.Notifications(SETTINGS.channels, SETTINGS.robots,
                             m.QuietHours(time(22, 0), time(7, 0), urgent=("warning",)))
    assert _fan(_msg("breach", roles=("boss",)), custom)[("email", "wang")][
        "next_attempt_at"] == "2026-03-03T07:00:00"
    assert _fan(_msg("warning", roles=("boss",)), custom)[("email", "wang")][
        "next_attempt_at"] == "2026-03-02T23:00:00"


def test_digest_holds_until_the_end_of_its_period_then_quiet_hours_apply() -> None:
    settings = m.Notifications(SETTINGS.channels, SETTINGS.robots, QUIET,
                               m.Digest(60, ("step-entered",)))
    day = _fan(_msg("step-entered", roles=("boss",)), settings, now="2026-03-02 10:15")
    assert day[("email", "wang")]["digest"] == "2026-03-02T11:00:00"
    assert day[("email", "wang")]["next_attempt_at"] == "2026-03-02T11:00:00"
    assert day[("inbox", "wang")]["digest"] is None  # the inbox is never digested
    night = _fan(_msg("step-entered", roles=("boss",)), settings, now="2026-03-02 21:30")
    assert night[("email", "wang")]["digest"] == "2026-03-02T22:00:00"
    assert night[("email", "wang")]["next_attempt_at"] == "2026-03-03T07:00:00"
    # Kinds outside the digest go at once; without `kinds:` breach and escalated are exempt.
    assert _fan(_msg("warning", roles=("boss",)), settings, now="2026-03-02 10:15")[
        ("email", "wang")]["digest"] is None
    every = m.Notifications(SETTINGS.channels, SETTINGS.robots, None, m.Digest(60))
    assert _fan(_msg("warning", roles=("boss",)), every, now="2026-03-02 10:15")[
        ("email", "wang")]["digest"] == "2026-03-02T11:00:00"
    assert _fan(_msg("breach", roles=("boss",)), every, now="2026-03-02 10:15")[
        ("email", "wang")]["digest"] is None


def test_a_role_nobody_holds_is_kept_addressed_to_the_role() -> None:
    got = _fan(_msg("escalated", roles=("guard",)))
    assert set(got) == {("inbox", "role:guard")}


def test_unconfigured_channels_are_left_out_and_people_without_an_address_skip_email() -> None:
    got = _fan(_msg("step-entered", roles=("clerk", "boss")), env={})
    assert {c for c, _ in got} == {"inbox"}
    assert ("email", "zhao") not in _fan(_msg("step-entered", roles=("clerk",)))
    # Dry runs (env None) plan every channel.
    assert ("wecom", "ops") in _fan(_msg("breach", roles=("boss",)), env=None)


def test_a_named_user_is_told_by_the_channels_of_their_own_roles() -> None:
    # The assignee of a breach is named, not a role: their roles' rules apply.
    got = _fan(_msg("breach", users=("wang",)))
    assert set(got) == {("inbox", "wang"), ("email", "wang"), ("wecom", "ops")}
    got = _fan(_msg("breach", users=("li",)))  # clerk e-mail is for step-entered only
    assert set(got) == {("inbox", "li")}
    got = _fan(_msg("step-entered", users=("li",)))
    assert set(got) == {("inbox", "li"), ("email", "li")}
    # Someone unknown (left the company) still gets the inbox row, nothing external.
    assert set(_fan(_msg("breach", users=("ghost",)))) == {("inbox", "ghost")}
