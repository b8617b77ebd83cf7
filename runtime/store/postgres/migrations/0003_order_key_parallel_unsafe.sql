-- 0003: hb_order_key catches bad dates with an EXCEPTION block, i.e. a subtransaction, which
-- PostgreSQL forbids in parallel mode ("cannot start subtransactions during a parallel
-- operation"). Marked PARALLEL SAFE in 0001, it broke every parallel plan that evaluates it:
-- CREATE INDEX on a large table (a parallel build: the app could not start on 100k cases,
-- found by `handbook bench postgres --demo`) and parallel scans of big tables. The documented
-- rule is that such functions are PARALLEL UNSAFE.
ALTER FUNCTION hb_order_key(jsonb) PARALLEL UNSAFE;
