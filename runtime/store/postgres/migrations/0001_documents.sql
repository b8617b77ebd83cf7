-- 0001: the document registry and the functions every document table's indexes use.
-- Each repository table ("records", "tasks", ...) is one physical table created on its first
-- write by runtime/store/postgres (id bigint identity, rev integer, body jsonb); hb_tables maps
-- repository names (any printable text) to those physical names.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE hb_tables (
    name       text PRIMARY KEY,
    relname    text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Sort key of a datetime-like value, exactly like runtime.store.indexes.order_key: numbers as
-- they are, ISO dates/datetimes as seconds since 1970-01-01 in local property time (UTC+8;
-- naive values are local already, aware ones are converted), anything else NULL.
CREATE FUNCTION hb_order_key(v jsonb) RETURNS double precision
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    s text;
BEGIN
    IF v IS NULL THEN
        RETURN NULL;
    END IF;
    IF jsonb_typeof(v) = 'number' THEN
        RETURN (v #>> '{}')::double precision;
    END IF;
    IF jsonb_typeof(v) <> 'string' THEN
        RETURN NULL;
    END IF;
    s := v #>> '{}';
    IF s ~ '^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?$' THEN
        RETURN extract(epoch FROM s::timestamp)::double precision;
    ELSIF s ~ '^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)$' THEN
        RETURN extract(epoch FROM (s::timestamptz AT TIME ZONE INTERVAL '+08:00'))::double precision;
    END IF;
    RETURN NULL;
EXCEPTION WHEN others THEN
    RETURN NULL;  -- e.g. 2026-02-30: not a date, like Python's fromisoformat says
END
$$;

-- The equality-indexed fields of every table (runtime.store.journal.DEFAULT_EQ_FIELDS) as one
-- small object, so a single GIN index answers any conjunction of them with @>.
CREATE FUNCTION hb_keys(b jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object(
        'kind', b -> 'kind',
        'status', b -> 'status',
        'form_id', b -> 'form_id',
        'property', b -> 'property',
        'assignee_role', b -> 'assignee_role',
        'assignee_user', b -> 'assignee_user',
        'case_id', b -> 'case_id',
        'number', b -> 'number'))
$$;

-- An update's top-level merge that keeps the key order (runtime/store/postgres/codec.py): the
-- stored order (under the key U+F8FF, or JSONB's own order when absent) plus the changed keys
-- not in it yet, in the caller's order — exactly what dict.update does in the embedded store.
CREATE FUNCTION hb_merge(old jsonb, ch jsonb, chkeys text[]) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    ord jsonb := old -> E'\uf8ff';
    k text;
BEGIN
    IF ord IS NULL THEN
        SELECT coalesce(jsonb_agg(key), '[]'::jsonb) INTO ord FROM jsonb_object_keys(old) AS key;
    END IF;
    FOREACH k IN ARRAY chkeys LOOP
        IF NOT ord ? k THEN
            ord := ord || to_jsonb(k);
        END IF;
    END LOOP;
    RETURN ((old - E'\uf8ff') || ch) || jsonb_build_object(E'\uf8ff', ord);
END
$$;
