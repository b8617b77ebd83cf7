"""Editor patterns for durations and recurrences, derived from the grammar in timeexpr.py.

An editor (yaml-language-server) knows only JSON Schema, so the time syntax is given to it as
ECMA-262 regular expressions. They are built from the same word tables the parser uses
(`timeexpr._UNIT_ALIASES`, weekday and month names) so a new unit word reaches the editor too;
tests/compiler/test_schema_patterns.py checks that the patterns accept exactly what the parser
accepts over the shipped rules and a list of near misses. The patterns are a little more
lenient than the parser where only arithmetic decides (day 31 of a 30-day month, a count that
does not match its months): the editor flags the form, `handbook check` the rest.
"""

from __future__ import annotations

from runtime.compiler import timeexpr as tx

# Digits as the parser sees them after NFKC: ASCII and full-width (Chinese input methods).
_DIGIT = "[0-9０-９]"
_NUM = rf"(?:{_DIGIT}+(?:\.{_DIGIT}+)?|\.{_DIGIT}+)"


def ci(regex: str) -> str:
    """Make the ASCII letters of `regex` case-insensitive (`ab` → `[aA][bB]`): JSON Schema
    patterns have no flags, and the parser lower-cases before matching."""
    out: list[str] = []
    i = 0
    while i < len(regex):
        ch = regex[i]
        if ch == "\\":  # an escape such as \s or \.: copy it untouched
            out.append(regex[i:i + 2])
            i += 2
            continue
        out.append(f"[{ch}{ch.upper()}]" if "a" <= ch <= "z" else ch)
        i += 1
    return "".join(out)


_SPECIAL = set("()[]{}.*+?^$|\\/")


def _literal(word: str) -> str:
    """A word as a pattern: specials escaped (only those: ECMA's `u` mode refuses needless
    escapes such as `\\ `), any run of spaces for a space, letters case-insensitive."""
    escaped = "".join("\\" + ch if ch in _SPECIAL else ch for ch in word)
    return ci(escaped).replace(" ", r"\s+")


def _alt(words: list[str] | tuple[str, ...]) -> str:
    """An alternation of literal words, longest first so a prefix never wins early."""
    ordered = sorted(set(words), key=lambda w: (-len(w), w))
    return "(?:" + "|".join(_literal(w) for w in ordered) + ")"


def duration_pattern() -> str:
    """`24h`, `2 working days`, `15分钟内`…: amount, optional `working`, a unit word."""
    # A lone `M` is refused by the parser (minutes or months?), so `m` stays lower case.
    def unit(words: list[str]) -> str:
        ordered = sorted(set(words), key=lambda w: (-len(w), w))
        return "(?:" + "|".join("m" if w == "m" else _literal(w) for w in ordered) + ")"

    working_units = [a for a, u in tx._UNIT_ALIASES.items() if u in ("minutes", "hours", "days")
                     and a.isascii()]
    plain = unit(list(tx._UNIT_ALIASES) + list(tx._CN_WORKING))
    body = rf"\+?\s*{_NUM}\s*(?:{_literal('working')}\s+{unit(working_units)}|{plain})(?:\s*以?内)?"
    return rf"^\s*{body}\s*$"


def limit_name_pattern(names: list[str] | None = None) -> str:
    """A named limit (`within: immediately`, 马上): the tree's names, or any id-shaped word."""
    aliases = list(tx_limit_aliases())
    if names is None:
        return r"^\s*(?:[a-z][a-z0-9]*(?:-[a-z0-9]+)*|" + "|".join(aliases) + r")\s*$"
    return r"^\s*" + _alt(sorted(set(names)) + aliases) + r"\s*$"


def tx_limit_aliases() -> tuple[str, ...]:
    """The Chinese words for `immediately` (马上, 立即, 立刻)."""
    from runtime.compiler.parsers import LIMIT_ALIASES

    return tuple(LIMIT_ALIASES)


def recurrence_pattern() -> str:
    """Every form of `parse_recurrence`: daily 08:00, every Friday 14:30, monthly by day 25…"""
    k = _literal  # a keyword: any case, any run of spaces
    time = r"(?:[01]?[0-9]|2[0-3]):[0-5][0-9]"
    sep = rf"(?:\s*,\s*|\s+{k('and')}\s+)"
    times = rf"(?:\s*(?:{k('at')}\s+)?{time}(?:(?:\s*,\s*|\s*{k('and')}\s*){time})*)?"
    full_days = list(tx.WEEKDAYS)
    weekday = _alt(full_days + [d + "s" for d in full_days] + list(tx._WEEKDAY_NAMES))
    weekdays = rf"{weekday}(?:{sep}{weekday})*"
    month = _alt(list(tx._MONTH_NAMES))
    months = rf"{month}(?:{sep}{month})*"
    the = rf"(?:{k('the')}\s+)?"
    n31 = "(?:0?[1-9]|[12][0-9]|3[01])"
    day = (rf"(?:{k('day')}\s+{n31}|{the}{n31}{_alt(['st', 'nd', 'rd', 'th'])}"
           rf"|{the}{_alt(['last day', 'first working day', 'last working day'])})")
    mode = _alt(["on", "by"])
    window = (rf"(?:\s+(?:{k('from')}\s+)?{time}\s*(?:-|{k('to')}|~)\s*{time})?")
    hourly = (rf"(?:{_alt(['hourly', 'every hour'])}|{k('every')}\s+(?:0?[1-9]|1[0-9]|2[0-3])\s+"
              rf"{_alt(['hour', 'hours'])}){window}")
    words = _alt(list(tx.IRREGULAR_WORDS) + list(tx.PENDING_WORDS) + [
        "weekly", "every week", "monthly", "every month", "quarterly", "every quarter",
        "yearly", "annually", "every year", "daily", "every day", "every working day",
        "every workday", "every work day", "working days", "daily on working days"])
    every_year = _alt(["yearly", "annually", "every year"])
    count = rf"(?:(?:{_alt(['once', 'twice'])}|[0-9]+\s+{k('times')})\s*)?"
    forms = [
        words,
        rf"{k('weekly by')}\s+{weekday}",
        rf"(?:{k('once')}\s+)?{mode}\s+[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}",
        rf"{_alt(['every week on', 'weekly on', 'weekly', 'every'])}\s+{weekdays}",
        rf"{k('monthly')}\s+{mode}\s+{day}",
        rf"{k('monthly')}\s+{the}{k('last working day')}",
        rf"{k('quarterly')}\s+{mode}\s+{day}\s+{k('of')}\s+{the}{k('month')}\s+[1-3]",
        rf"{count}{every_year}\s+{k('in')}\s+{months}",
        rf"{every_year}\s+{mode}\s+[0-9]{{1,2}}-[0-9]{{1,2}}",
    ]
    dated = "(?:" + "|".join(forms) + ")" + times
    return rf"^\s*(?:{hourly}|{dated})\s*$"
