"""The page queries in SQL: derived columns kept with every write, answered by indexes.

Every write of a `cases` or `records` document also stores columns derived from the whole
document by runtime/store/pages.py's own functions (search texts with personal values apart,
deadline, breach, voided), so both backends answer identically (tests/store/contract/). The
queries read those columns — never decoding a body except for the page shown — and the
aggregates run in the server. Semantics: runtime/store/repository.py and pages.py.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from runtime.store.embedded.indexes import order_key
from runtime.store.pages import (
    CASES,
    RECORDS,
    TASKS,
    URGENCIES,
    CaseCounts,
    MonthlyReport,
    Page,
    callback_month,
    case_breached,
    case_due_at,
    case_summary,
    in_month,
    month_bounds,
    needle_of,
    search_texts,
)
from runtime.store.postgres.codec import decode, dumps_value

DERIVE_VERSION = 2
PAGE_TABLES = frozenset({CASES, RECORDS})
COLUMNS = ("xv", "xprop", "xkey", "xstatus", "xflag", "xcreated", "xdue", "xg", "xp")
_NUL = re.compile(r"[\x00-\x1f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _storable(text: str) -> str:
    text = text.replace("\x00", "")
    return _SURROGATE.sub("\ufffd", text) if not text.isascii() else text


# Longer values are kept as a digest: a btree entry of three key columns must stay under
# PostgreSQL's 2704-byte limit even for 4-byte characters.
_KEY_MAX = 100


def _json(value: Any) -> str | None:
    """JSON text of a key column value (the same function encodes query operands)."""
    if value is None:
        return None
    try:
        text = dumps_value(value)
    except (TypeError, ValueError):
        return None
    if len(text) > _KEY_MAX:
        return "#" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return text


def derive(table: str, doc: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """The derived column values (COLUMNS order) of a document, None for other tables."""
    if table not in PAGE_TABLES:
        return None
    general, private = search_texts(doc)
    # PostgreSQL text holds neither NUL nor lone surrogates (needles never contain control
    # characters either; a lone surrogate cannot be typed into a search box).
    general, private = _storable(general), _storable(private)
    if table == CASES:
        key, flag = doc.get("procedure_id"), case_breached(doc)
        due = order_key(case_due_at(doc))
    else:
        key, flag = doc.get("form_id"), bool(doc.get("voided"))
        due = order_key((doc.get("data") or {}).get("visited_at")) if isinstance(
            doc.get("data"), Mapping) else None
    return (
        DERIVE_VERSION, _json(doc.get("property")), _json(key), _json(doc.get("status")),
        flag, order_key(doc.get("created_at")), due, general, private,
    )


def _in(column: str, values: Collection[Any], params: list[Any]) -> str:
    """`column` (JSON text) is one of `values` (None: NULL)."""
    texts = [t for t in (_json(v) for v in values if v is not None) if t is not None]
    parts = []
    if texts:
        parts.append(f"{column} = ANY(%s)")
        params.append(texts)
    if None in values:
        parts.append(f"{column} IS NULL")
    return "(" + " OR ".join(parts) + ")" if parts else "FALSE"


def _like(needle: str) -> str:
    return "%" + re.sub(r"([%_\\])", r"\\\1", needle) + "%"


def _text(text: str | None, personal: bool, params: list[Any]) -> str | None:
    needle = needle_of(text)
    if needle is None:
        return None
    needle = _NUL.sub("", needle)  # as the embedded TextIndex: control characters are cut
    if not needle:
        return None
    # pg_trgm needs three characters to narrow anything: for a shorter needle its index would
    # be read in full, so hide the column from it (`|| ''`) and let the property index lead.
    g, p = ("xg", "xp") if len(needle) >= 3 else ("(xg || '')", "(xp || '')")
    params.append(_like(needle))
    if personal:
        params.append(_like(needle))
        return f"({g} LIKE %s OR {p} LIKE %s)"
    return f"{g} LIKE %s"


def _page_sql(offset: int, limit: int | None, params: list[Any]) -> str:
    sql = ""
    if offset:
        sql += " OFFSET %s"
        params.append(int(offset))
    if limit is not None:
        sql += " LIMIT %s"
        params.append(int(limit))
    return sql


# --------------------------------------------------------------------------- queries


def open_tasks(store: Any, *, roles: Collection[str], user: str | None,
               properties: Collection[str | None], now: datetime, soon: timedelta,
               kind: str | None, offset: int, limit: int | None) -> Page:
    """See Repository.open_tasks: open tasks only (the hb_keys GIN index on status)."""
    counts = dict.fromkeys(URGENCIES, 0)
    rel = store._rel(TASKS, create=False)
    if rel is None or not roles:
        return Page((), 0, offset, limit, counts)
    params: list[Any] = []
    props = set(properties)
    prop_parts = []
    for p in sorted(x for x in props if x is not None):
        # open tasks of this property straight from the one GIN index on hb_keys(body)
        prop_parts.append("(hb_keys(body) @> %s::jsonb AND body -> 'property' = %s::jsonb)")
        params += [dumps_value({"status": "open", "property": p}), json.dumps(p)]
    if None in props:
        prop_parts.append("(hb_keys(body) @> '{\"status\": \"open\"}'::jsonb AND "
                          "coalesce(body -> 'property', 'null'::jsonb) = 'null'::jsonb)")
    where = [
        "(" + (" OR ".join(prop_parts) or "FALSE") + ")",
        "body -> 'status' = '\"open\"'::jsonb",
        "jsonb_typeof(body -> 'roles') = 'array'",
        "body -> 'roles' ?| %s::text[]",
    ]
    params.append(sorted(roles))
    if user is None:
        where.append("coalesce(body -> 'user', 'null'::jsonb) = 'null'::jsonb")
    else:
        where.append("(coalesce(body -> 'user', 'null'::jsonb) = 'null'::jsonb "
                     "OR body -> 'user' = %s::jsonb)")
        params.append(json.dumps(user))
    if kind is not None:
        where.append("body -> 'kind' = %s::jsonb")
        params.append(json.dumps(kind))
    cond = " AND ".join(where)
    now_k = order_key(now)
    soon_s = soon.total_seconds()
    k = "hb_order_key(body -> 'due_at')"
    agg = store._read(
        f"SELECT count(*) FILTER (WHERE {k} < %s), "
        f"count(*) FILTER (WHERE {k} >= %s AND {k} - %s <= %s), "
        f"count(*) FILTER (WHERE {k} >= %s AND {k} - %s > %s), "
        f"count(*) FILTER (WHERE {k} IS NULL), count(*) FROM {rel} WHERE {cond}",
        [now_k, now_k, now_k, soon_s, now_k, now_k, soon_s, *params],
    )[0]
    counts = dict(zip(URGENCIES, (int(x) for x in agg[:4]), strict=True))
    page_params = list(params)
    page = _page_sql(offset, limit, page_params)
    rows = store._read(
        f"SELECT id, rev, body::text FROM {rel} WHERE {cond} "
        f"ORDER BY {k} IS NULL, {k}, coalesce(body ->> 'key', '') COLLATE \"C\", id{page}",
        page_params,
    )
    return Page(tuple(store._export(r) for r in rows), int(agg[4]), offset, limit, counts)


def search_cases(store: Any, *, properties: Collection[str | None], text: str | None,
                 status: str | None, procedures: Collection[str] | None, personal: bool,
                 offset: int, limit: int | None) -> Page:
    """See Repository.search_cases."""
    rel = store._rel(CASES, create=False)
    if rel is None:
        return Page((), 0, offset, limit)
    params: list[Any] = []
    statuses: tuple[str, ...] = (("open", "closed") if status is None
                                 else () if status == "reserved" else (status,))
    where = [_in("xprop", set(properties), params), _in("xstatus", statuses, params)]
    if procedures is not None:
        where.append(_in("xkey", set(procedures), params))
    hit = _text(text, personal, params)
    if hit:
        where.append(hit)
    rows, total = _newest_page(store, rel, " AND ".join(where), params, offset, limit)
    items = tuple(case_summary(store._export(r)) for r in rows)
    return Page(items, total, offset, limit)


def search_records(store: Any, *, properties: Collection[str | None], text: str | None,
                   form_id: str | None, include_voided: bool, personal: bool, offset: int,
                   limit: int | None) -> Page:
    """See Repository.search_records."""
    rel = store._rel(RECORDS, create=False)
    if rel is None:
        return Page((), 0, offset, limit)
    params: list[Any] = []
    where = [_in("xprop", set(properties), params)]
    if form_id is not None:
        where.append(_in("xkey", {form_id}, params))
    if not include_voided:
        where.append("NOT coalesce(xflag, false)")
    hit = _text(text, personal, params)
    if hit:
        where.append(hit)
    rows, total = _newest_page(store, rel, " AND ".join(where), params, offset, limit)
    return Page(tuple(store._export(r) for r in rows), total, offset, limit)


def _newest_page(store: Any, rel: str, cond: str, params: list[Any], offset: int,
                 limit: int | None) -> tuple[list[tuple[Any, ...]], int]:
    """One page newest first and the total of every match, in one scan (a window count)."""
    page_params = list(params)
    page = _page_sql(offset, limit, page_params)
    # the window runs over ids and sort keys only; bodies are read for the page alone
    rows = store._read(
        f"WITH hits AS (SELECT id, xcreated, count(*) OVER () AS total FROM {rel} "
        f"WHERE {cond} ORDER BY xcreated DESC NULLS LAST, id DESC{page}) "
        f"SELECT r.id, r.rev, r.body::text, h.total FROM hits h JOIN {rel} r ON r.id = h.id "
        "ORDER BY h.xcreated DESC NULLS LAST, h.id DESC", page_params)
    if rows:
        return rows, int(rows[0][3])
    if not offset:
        return [], 0
    # a page past the end: the window had no row to report the total on
    return [], int(store._read(f"SELECT count(*) FROM {rel} WHERE {cond}", params)[0][0])


def case_counts(store: Any, *, properties: Collection[str | None], now: datetime,
                month: date | None) -> list[CaseCounts]:
    """See Repository.case_counts: one GROUP BY over the derived columns."""
    rel = store._rel(CASES, create=False)
    if rel is None:
        return []
    params: list[Any] = [order_key(now)]
    where = [_in("xprop", set(properties), params), _in("xstatus", ("open", "closed"), params)]
    if month is not None:
        lo, hi = month_bounds(month)
        where.append("xcreated >= %s AND xcreated < %s")
        params += [order_key(lo), order_key(hi)]
    rows = store._read(
        "SELECT xprop, xkey, count(*), count(*) FILTER (WHERE xstatus = '\"open\"'), "
        "count(*) FILTER (WHERE xstatus = '\"open\"' AND xdue < %s), "
        "count(*) FILTER (WHERE xflag), count(*) FILTER (WHERE xstatus = '\"closed\"') "
        f"FROM {rel} WHERE {' AND '.join(where)} GROUP BY xprop, xkey", params)
    out = []
    for prop, key, total, open_, overdue, breached, closed in rows:
        procedure = json.loads(key) if key is not None else ""
        out.append(CaseCounts(json.loads(prop) if prop is not None else None,
                              str(procedure or ""), total=int(total), open=int(open_),
                              overdue=int(overdue), breached=int(breached),
                              closed=int(closed)))
    return sorted(out, key=lambda c: (c.property or "", c.procedure))


def monthly_report(store: Any, *, properties: Collection[str | None], month: date,
                   procedures: Collection[str], callback_form: str) -> MonthlyReport:
    """See Repository.monthly_report: only the month's cases, tasks and records are read."""
    rep = MonthlyReport(month)
    lo, hi = month_bounds(month)
    klo, khi = order_key(lo), order_key(hi)
    cases = store._rel(CASES, create=False)
    props = set(properties)
    if cases is not None and procedures:
        params: list[Any] = []
        cond = " AND ".join([
            _in("xprop", props, params), _in("xkey", set(procedures), params),
            _in("xstatus", ("open", "closed"), params), "xcreated >= %s AND xcreated < %s"])
        params += [klo, khi]
        for data, status, created, breached in store._read(
                f"SELECT (body -> 'data')::text, body ->> 'status', body -> 'created_at', xflag "
                f"FROM {cases} WHERE {cond} ORDER BY id", params):
            rep.add_case({"data": decode(data) if data else {}, "status": status,
                          "created_at": created, "breached": bool(breached)})
    tasks = store._rel(TASKS, create=False)
    if tasks is not None and cases is not None and procedures:
        params = [klo, khi]
        case_in = _in("c.xkey", set(procedures), params)
        prop_cond = _task_props(props, params)
        rows = store._read(
            f"SELECT t.body ->> 'status' FROM {tasks} t JOIN {cases} c ON c.id = "
            "CASE WHEN t.body ->> 'case_id' ~ '^[0-9]{1,18}$' "
            "THEN (t.body ->> 'case_id')::bigint END "
            "WHERE hb_order_key(t.body -> 'due_at') >= %s "
            "AND hb_order_key(t.body -> 'due_at') < %s "
            f"AND t.body -> 'kind' = '\"follow-up\"'::jsonb AND {case_in} AND {prop_cond}",
            params)
        for (status,) in rows:
            rep.add_callback_task({"status": status})
    records = store._rel(RECORDS, create=False)
    if records is not None:
        params = []
        cond = " AND ".join([
            _in("xprop", props, params), _in("xkey", {callback_form}, params),
            "NOT coalesce(xflag, false)",
            "((xcreated >= %s AND xcreated < %s) OR (xdue >= %s AND xdue < %s))"])
        params += [klo, khi, klo, khi]
        for data, created in store._read(
                f"SELECT (body -> 'data')::text, body -> 'created_at' FROM {records} "
                f"WHERE {cond} ORDER BY id", params):
            doc = {"data": decode(data) if data else {}, "created_at": created}
            if in_month(callback_month(doc), month):
                rep.add_callback_record(doc)
    return rep


def _task_props(props: set[str | None], params: list[Any]) -> str:
    parts = []
    named = [p for p in props if p is not None]
    if named:
        parts.append("t.body -> 'property' = ANY(%s::jsonb[])")
        params.append([json.dumps(p) for p in named])
    if None in props:
        parts.append("coalesce(t.body -> 'property', 'null'::jsonb) = 'null'::jsonb")
    return "(" + (" OR ".join(parts) or "FALSE") + ")"


def backfill(conn: Any, batch: int = 2000) -> int:
    """Derive the page columns of rows written before they existed (`handbook db upgrade`)."""
    done = 0
    for table in sorted(PAGE_TABLES):
        row = conn.execute("SELECT relname FROM hb_tables WHERE name = %s", (table,)).fetchone()
        if row is None:
            continue
        rel = row[0]
        sets = ", ".join(f"{c} = %s" for c in COLUMNS)
        while True:
            rows = conn.execute(
                f"SELECT id, body::text FROM {rel} WHERE xv IS DISTINCT FROM %s "
                "ORDER BY id LIMIT %s", (DERIVE_VERSION, batch)).fetchall()
            if not rows:
                break
            with conn.transaction():
                for doc_id, text in rows:
                    derived = derive(table, decode(text)) or ()
                    conn.execute(f"UPDATE {rel} SET {sets} WHERE id = %s", (*derived, doc_id))
            done += len(rows)
    return done
