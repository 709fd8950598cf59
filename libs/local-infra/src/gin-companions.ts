import { pgQuery, type PgTarget } from './pg-wire';
import type { Log } from './service';

/**
 * Indexes FerretDB 1.24 on PostgreSQL can really use (issue 8).
 *
 * For a MongoDB index on `f`, FerretDB creates a btree on `(_jsonb -> 'f')`, but it translates an
 * equality filter `{f: v}` (also on `_id`) into `_jsonb -> 'f' @> 'v'` (`_jsonb #> '{a,b}' @> …` for
 * a dotted `a.b`), an operator a btree cannot serve: every find, findOne, update and delete by a
 * filter scans the whole table. A GIN index `jsonb_path_ops` on the same expression serves `@>`;
 * FerretDB's statements name the field as a parameter, which a custom plan replaces by its value,
 * so that expression matches; a generic plan never can. PostgreSQL switches a prepared statement
 * (FerretDB caches them per connection) to its generic plan when that costs no more than the
 * custom ones so far, as it does while no such index exists, and then scans for good: so
 * plan_cache_mode is force_custom_plan (planning costs ~0.1 ms).
 *
 * Nothing serves what FerretDB 1.24 does not translate to SQL at all: $gt/$lt/$in/$exists…, and
 * dotted paths in find and aggregate (updates and deletes translate them). It then reads every
 * document of the collection and filters them itself (~1.2 s for 20 000 small documents).
 *
 * So each btree FerretDB creates gets a "companion": one GIN index over the same fields, named
 * like it with `_gin` for `_idx`. An event trigger creates it in the same statement as the btree
 * (indexes appear when services start, on empty or small collections) and drops it with the btree;
 * a backfill at each `up` covers the indexes created before the trigger existed, CONCURRENTLY so
 * that FerretDB is never blocked. A failure never fails FerretDB's own statement: it becomes a
 * WARNING, and the collection is merely scanned as before. Real MongoDB needs none of this.
 */

/** Everything lives in `public`: FerretDB ignores a schema without its metadata table. */
const INSTALL_SQL = String.raw`
SELECT pg_advisory_xact_lock(hashtext('aap_ferretdb_gin_companions'));

-- The companion of a FerretDB btree index: its name, whether it exists and is valid, and the
-- statements that make it and drop it. No row for any other index (or an unknown expression).
CREATE OR REPLACE FUNCTION public.aap_ferretdb_gin_companion(btree oid, online boolean,
    OUT companion text, OUT present boolean, OUT valid boolean, OUT create_sql text, OUT drop_sql text)
  RETURNS SETOF record LANGUAGE plpgsql AS $fn$
DECLARE
  idx record;
  path text[];
  columns text[] := '{}';
BEGIN
  SELECT c.relname AS index_name, n.oid AS schema_oid, n.nspname AS schema_name, t.relname AS table_name, i.indnatts
    INTO idx
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_class t ON t.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_am am ON am.oid = c.relam
   WHERE i.indexrelid = btree AND am.amname = 'btree' AND c.relname LIKE '%\_idx'
     AND t.relname NOT LIKE '\_ferretdb\_%'  -- FerretDB's metadata table: read once at start-up
     AND EXISTS (SELECT 1 FROM pg_class m WHERE m.relnamespace = n.oid AND m.relname = '_ferretdb_database_metadata');
  IF NOT FOUND THEN RETURN; END IF;
  FOR k IN 1..idx.indnatts LOOP
    -- FerretDB's key expressions: (_jsonb -> 'a'::text) or ((_jsonb -> 'a'::text) -> 'b'::text)
    SELECT array_agg(replace(m[1], '''''', '''') ORDER BY ord) INTO path
      FROM regexp_matches(pg_get_indexdef(btree, k, false), $re$-> '((?:[^']|'')*)'::text$re$, 'g') WITH ORDINALITY AS r(m, ord);
    IF path IS NULL OR pg_get_indexdef(btree, k, false) !~ '^\(*_jsonb ' THEN RETURN; END IF;
    -- The very expressions FerretDB's filters use, so that the planner matches them
    columns := columns || CASE WHEN cardinality(path) = 1
      THEN format('(_jsonb -> %L) jsonb_path_ops', path[1])
      ELSE format('(_jsonb #> %L::text[]) jsonb_path_ops', path::text) END;
  END LOOP;
  companion := left(idx.index_name, length(idx.index_name) - 4) || '_gin';
  SELECT true, i.indisvalid INTO present, valid
    FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid
   WHERE c.relname = companion AND c.relnamespace = idx.schema_oid;
  present := coalesce(present, false);
  create_sql := format('CREATE INDEX %s IF NOT EXISTS %I ON %I.%I USING gin (%s)',
    CASE WHEN online THEN 'CONCURRENTLY' ELSE '' END, companion, idx.schema_name, idx.table_name,
    array_to_string(columns, ', '));
  drop_sql := format('DROP INDEX %s IF EXISTS %I.%I',
    CASE WHEN online THEN 'CONCURRENTLY' ELSE '' END, idx.schema_name, companion);
  RETURN NEXT;
END $fn$;

CREATE OR REPLACE FUNCTION public.aap_ferretdb_index_created() RETURNS event_trigger LANGUAGE plpgsql AS $fn$
DECLARE
  command record;
  statement text;
BEGIN
  FOR command IN SELECT objid FROM pg_event_trigger_ddl_commands() WHERE object_type = 'index' LOOP
    BEGIN
      FOR statement IN SELECT create_sql FROM public.aap_ferretdb_gin_companion(command.objid, false) LOOP
        EXECUTE statement;
      END LOOP;
    EXCEPTION WHEN others THEN
      RAISE WARNING 'aap: no GIN companion for index % (equality filters on it will scan): %', command.objid::regclass, SQLERRM;
    END;
  END LOOP;
END $fn$;

CREATE OR REPLACE FUNCTION public.aap_ferretdb_index_dropped() RETURNS event_trigger LANGUAGE plpgsql AS $fn$
DECLARE
  dropped record;
BEGIN
  FOR dropped IN SELECT schema_name, object_name FROM pg_event_trigger_dropped_objects()
                  WHERE object_type = 'index' AND object_name LIKE '%\_idx' LOOP
    BEGIN
      EXECUTE format('DROP INDEX IF EXISTS %I.%I', dropped.schema_name, left(dropped.object_name, length(dropped.object_name) - 4) || '_gin');
    EXCEPTION WHEN others THEN
      RAISE WARNING 'aap: GIN companion of index %.% not dropped: %', dropped.schema_name, dropped.object_name, SQLERRM;
    END;
  END LOOP;
END $fn$;

DO $do$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = 'aap_ferretdb_index_created') THEN
    CREATE EVENT TRIGGER aap_ferretdb_index_created ON ddl_command_end WHEN TAG IN ('CREATE INDEX')
      EXECUTE FUNCTION public.aap_ferretdb_index_created();
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = 'aap_ferretdb_index_dropped') THEN
    CREATE EVENT TRIGGER aap_ferretdb_index_dropped ON sql_drop WHEN TAG IN ('DROP INDEX')
      EXECUTE FUNCTION public.aap_ferretdb_index_dropped();
  END IF;
END $do$;
`;

/** Companions missing or left invalid (an interrupted CONCURRENTLY build), with how to make them. */
const MISSING_SQL = `
SELECT g.companion, g.present, g.create_sql, g.drop_sql
  FROM pg_index i, LATERAL public.aap_ferretdb_gin_companion(i.indexrelid, true) g
 WHERE NOT (g.present AND g.valid)`;

/**
 * Installs the event triggers (idempotent), then creates the companions missing for indexes that
 * already exist. Returns the companions it created; failures are logged, never thrown: without a
 * companion, FerretDB still answers (by scanning).
 */
export async function ensureGinCompanions(target: PgTarget, log: Log): Promise<string[]> {
  const created: string[] = [];
  try {
    const { rows: mode } = await pgQuery(target, "SELECT current_setting('plan_cache_mode')");
    if (mode[0]?.[0] !== 'force_custom_plan') {
      // ALTER SYSTEM + reload: also reaches the sessions FerretDB already has open
      await pgQuery(target, 'ALTER SYSTEM SET plan_cache_mode = force_custom_plan');
      await pgQuery(target, 'SELECT pg_reload_conf()');
      log('PostgreSQL: plan_cache_mode set to force_custom_plan');
    }
    await pgQuery(target, INSTALL_SQL);
    const { rows } = await pgQuery(target, MISSING_SQL);
    for (const [companion, present, createSql, dropSql] of rows) {
      try {
        // CONCURRENTLY: one statement per query (it refuses to run inside a transaction)
        if (present === 't') await pgQuery(target, dropSql!);
        await pgQuery(target, createSql!);
        created.push(companion!);
      } catch (error) {
        log(`PostgreSQL: GIN index ${companion} not made, equality filters on its fields scan: ${message(error)}`);
      }
    }
    if (created.length > 0) log(`PostgreSQL: created ${created.length} GIN index(es) FerretDB's equality filters use (${created.slice(0, 3).join(', ')}${created.length > 3 ? ', …' : ''})`);
  } catch (error) {
    log(`PostgreSQL: GIN indexes for FerretDB not set up, equality filters may scan: ${message(error)}`);
  }
  return created;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
