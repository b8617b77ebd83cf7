-- 0002: derived columns for the page queries (runtime/store/postgres/pages.py).
-- The application computes them from each written document of `cases` and `records` with the
-- same functions the embedded store uses (runtime/store/pages.py), so both backends agree:
--   xv       derivation version (NULL: not derived yet; `handbook db upgrade` backfills)
--   xprop    JSON text of `property`          xkey   JSON text of procedure_id / form_id
--   xstatus  JSON text of `status`            xflag  breached (cases) / voided (records)
--   xcreated order key of created_at          xdue   order key of the current deadline (cases)
--                                                    or of data.visited_at (records)
--   xg, xp   casefolded search text: general, and personal values (kept apart)
-- pg_trgm GIN indexes make substring search (Chinese included) an index lookup for needles
-- of three characters or more.

CREATE FUNCTION hb_add_page_columns(rel text, name text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER TABLE %I ADD COLUMN IF NOT EXISTS xv smallint, '
                   'ADD COLUMN IF NOT EXISTS xprop text, ADD COLUMN IF NOT EXISTS xkey text, '
                   'ADD COLUMN IF NOT EXISTS xstatus text, ADD COLUMN IF NOT EXISTS xflag boolean, '
                   'ADD COLUMN IF NOT EXISTS xcreated double precision, '
                   'ADD COLUMN IF NOT EXISTS xdue double precision, '
                   'ADD COLUMN IF NOT EXISTS xg text, ADD COLUMN IF NOT EXISTS xp text', rel);
    IF name IN ('cases', 'records') THEN
        EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I (xprop, xcreated DESC, id DESC)',
                       rel || '_p_newest', rel);
        EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I (xcreated)', rel || '_p_created', rel);
        EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I (xstatus, xprop, xkey)',
                       rel || '_p_status', rel);
        EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I USING gin (xg gin_trgm_ops)',
                       rel || '_p_xg', rel);
        EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I USING gin (xp gin_trgm_ops)',
                       rel || '_p_xp', rel);
        EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I (xdue)', rel || '_p_due', rel);
    END IF;
END
$$;

DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT name, relname FROM hb_tables LOOP
        PERFORM hb_add_page_columns(t.relname, t.name);
    END LOOP;
END
$$;
