// Run with: npx vitest run --project integration libs/local-infra/src/gin-companions.int.test.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Its own PostgreSQL and FerretDB (no Kafka) on free ports under a private home, as in
// local-infra.int.test.ts, whatever MONGODB_URI gives the other tests: what is tested is the
// PostgreSQL under FerretDB (its indexes, its plans), which a given MONGODB_URI does not reach.
// It shows which index each query's plan uses; how fast that is belongs to npm run bench.
const { freePort } = await import('./processes');
const home = mkdtempSync(join(tmpdir(), 'aap-gin-test-'));
process.env.AAP_INFRA_HOME = home;
process.env.AAP_POSTGRES_PORT = String(await freePort());
process.env.AAP_FERRETDB_PORT = String(await freePort());
delete process.env.AAP_FERRETDB_BACKEND;

const { ensureDown, ensureUp } = await import('./service');
const { postgres, postgresTarget } = await import('./postgres');
const { ferretdb, mongoUri } = await import('./ferretdb');
const { ensureGinCompanions } = await import('./gin-companions');
const { pgQuery } = await import('./pg-wire');

const log = (line: string) => console.log(`[gin test] ${line}`);
const DOCUMENTS = 20_000;
const DB = 'gin_test';

/** The five hot queries of issue 8, through the MongoDB driver, with the SQL FerretDB 1.24 sends for each (seen with log_statement=all). */
type Things = mongoose.mongo.Collection<Thing>;
interface Thing {
  _id: string;
  organisationId: string;
  version: number;
  outboxPending: boolean;
  webhook: { subscriptionId: string };
  payload: string;
}
const QUERIES: Array<{ name: string; run: (things: Things) => Promise<unknown>; where: string; params: string[] }> = [
  { name: 'findOne {_id}', run: (c) => c.findOne({ _id: 't-12345' }), where: `_jsonb->$1 @> $2`, params: [`'_id'`, `'"t-12345"'`] },
  {
    name: 'findOne {_id, organisationId}',
    run: (c) => c.findOne({ _id: 't-12345', organisationId: 'org-12345' }),
    where: `_jsonb->$1 @> $2 AND _jsonb->$3 @> $4`,
    params: [`'_id'`, `'"t-12345"'`, `'organisationId'`, `'"org-12345"'`],
  },
  {
    name: 'findOne {organisationId}',
    run: (c) => c.findOne({ organisationId: 'org-12345' }),
    where: `_jsonb->$1 @> $2`,
    params: [`'organisationId'`, `'"org-12345"'`],
  },
  {
    // FerretDB selects the document, then updates it by `_jsonb->'_id' = …` (its btree serves that part)
    name: 'updateOne {_id, version}',
    run: (c) => c.updateOne({ _id: 't-12345', version: 1 }, { $set: { payload: 'updated' } }),
    where: `_jsonb->$1 @> $2 AND _jsonb->$3 @> $4`,
    params: [`'_id'`, `'"t-12345"'`, `'version'`, `'1'`],
  },
  {
    name: 'find {outboxPending: true}',
    run: (c) => c.find({ outboxPending: true }).toArray(),
    where: `_jsonb->$1 @> $2`,
    params: [`'outboxPending'`, `'true'`],
  },
  {
    // Dotted paths: updates and deletes push them down (`#>`); find does not (FerretDB filters every document itself)
    name: "updateOne {'webhook.subscriptionId'}",
    run: (c) => c.updateOne({ 'webhook.subscriptionId': 'sub-12345' }, { $set: { payload: 'updated' } }),
    where: `_jsonb#>$1 @> $2`,
    params: [`'{webhook,subscriptionId}'`, `'"sub-12345"'`],
  },
];

describe('GIN companions, on a PostgreSQL and FerretDB of its own: indexes FerretDB on PostgreSQL really uses for equality filters', () => {
  let connection: mongoose.Connection;
  let things: Things;
  let table: string;
  const before = new Map<string, string>();

  beforeAll(async () => {
    await ensureUp(postgres, log);
    await ensureUp(ferretdb, log);
    connection = await mongoose.createConnection(mongoUri(), { dbName: DB }).asPromise();
    things = connection.db!.collection<Thing>('things');
    await things.createIndex({ organisationId: 1 });
    await things.createIndex({ outboxPending: 1 });
    await things.createIndex({ 'webhook.subscriptionId': 1 });
    for (let start = 0; start < DOCUMENTS; start += 1_000) {
      await things.insertMany(
        Array.from({ length: 1_000 }, (_, offset) => {
          const i = start + offset;
          return { _id: `t-${i}`, organisationId: `org-${i}`, version: 1, outboxPending: i % 1_000 === 0, webhook: { subscriptionId: `sub-${i}` }, payload: 'x'.repeat(200) };
        }),
      );
    }
    table = `${DB}."${await collectionTable('things')}"`;
  }, 240_000);

  afterAll(async () => {
    await connection?.close();
    await ensureDown(ferretdb, log);
    await ensureDown(postgres, log);
    rmSync(home, { recursive: true, force: true });
  }, 60_000);

  it(`without them, every equality filter scans the ${DOCUMENTS} documents, _id included`, async () => {
    for (const query of QUERIES) {
      const shown = await plan(table, query);
      expect(shown, query.name).toMatch(/Seq Scan on /);
      expect(shown, query.name).not.toMatch(/Index/);
      await query.run(things); // through the driver too: FerretDB sends what the plan above assumes
      before.set(query.name, shown);
    }
  }, 240_000);

  it('ensureGinCompanions gives each FerretDB btree a GIN companion, and every one of those queries uses it', async () => {
    const created = await ensureGinCompanions(postgresTarget(), log);
    expect(created.sort()).toEqual(
      (await btreeIndexes('things')).map((name) => name.replace(/_idx$/, '_gin')).sort(), // _id_, and the three above
    );
    expect(created).toHaveLength(4);

    const rows: string[] = [];
    for (const query of QUERIES) {
      const shown = await plan(table, query);
      expect(shown, query.name).toMatch(/Bitmap Index Scan on \S+_gin\b/);
      expect(await query.run(things), query.name).toBeDefined(); // and FerretDB still answers it through the driver
      rows.push(`${query.name.padEnd(36)} ${ms(executionMs(before.get(query.name)!))} → ${ms(executionMs(shown))}   ${indexUsed(shown)}`);
    }
    // Shown, not asserted: speed is measured by npm run bench.
    log(`${DOCUMENTS} documents, before → after: PostgreSQL's execution time (EXPLAIN ANALYZE), then the index used\n${rows.join('\n')}`);
    expect((await sql(`SELECT current_setting('plan_cache_mode')`)).rows).toEqual([['force_custom_plan']]);
  }, 240_000);

  it('needs force_custom_plan: a statement prepared before its index exists keeps its generic plan, which scans', async () => {
    const organisation = QUERIES.find(({ name }) => name === 'findOne {organisationId}')!;
    const [companion] = (await ginIndexes('things')).filter((name) => name.includes('_organisationid_'));
    const { rows: definition } = await sql(`SELECT indexdef FROM pg_indexes WHERE indexname = '${companion}'`);
    const execute = `EXECUTE q(${organisation.params.join(', ')})`;
    // One session, rolled back: the companion is dropped, the statement prepared and run as FerretDB
    // runs it on one of its pooled connections, then the companion created again.
    const { resultSets } = await sql(
      [
        'BEGIN',
        'SET LOCAL plan_cache_mode = auto',
        `DROP INDEX ${DB}.${companion}`,
        `PREPARE q(text, jsonb) AS SELECT _jsonb FROM ${table} WHERE ${organisation.where}`,
        ...Array(6).fill(execute),
        definition[0]![0]!,
        `EXPLAIN (COSTS OFF) ${execute}`,
        'SET LOCAL plan_cache_mode = force_custom_plan',
        `EXPLAIN (COSTS OFF) ${execute}`,
        'ROLLBACK',
      ].join(';'),
    );
    const [auto, forced] = resultSets.slice(-2).map((set) => set.map(([line]) => line).join('\n'));
    expect(auto).toMatch(/Seq Scan on /);
    expect(forced).toContain(`Bitmap Index Scan on ${companion}`);
  }, 60_000);

  it('does nothing more when called again', async () => {
    expect(await ensureGinCompanions(postgresTarget(), log)).toEqual([]);
  }, 60_000);

  it('gives an index created afterwards its companion in the same statement, and drops it with it', async () => {
    await things.createIndex({ version: 1 });
    const [btree] = (await btreeIndexes('things')).filter((name) => name.includes('_version_'));
    expect(await ginIndexes('things')).toContain(btree!.replace(/_idx$/, '_gin'));

    await things.dropIndex('version_1');
    expect((await ginIndexes('things')).filter((name) => name.includes('_version_'))).toEqual([]);
    expect(await ginIndexes('things')).toHaveLength(4);
  }, 60_000);

  it("gives a new collection's _id its companion as soon as FerretDB creates the collection", async () => {
    await connection.db!.collection('others').insertOne({ _id: 'o-1' } as never);
    expect(await ginIndexes('others')).toEqual([(await btreeIndexes('others'))[0]!.replace(/_idx$/, '_gin')]);
  }, 60_000);

  /** Runs SQL as FerretDB's role (a superuser). */
  function sql(text: string) {
    return pgQuery(postgresTarget(), text, { connectTimeoutMs: 5_000 });
  }

  /**
   * The plan PostgreSQL uses for the statement as FerretDB sends it (prepared, the field a
   * parameter), past the five executions after which it may switch to a generic plan.
   */
  async function plan(target: string, query: (typeof QUERIES)[number]): Promise<string> {
    const types = query.where.includes('#>') ? 'text[], jsonb' : query.params.length === 2 ? 'text, jsonb' : 'text, jsonb, text, jsonb';
    const execute = `EXECUTE q(${query.params.join(', ')})`;
    const { rows } = await sql(
      [`PREPARE q(${types}) AS SELECT _jsonb FROM ${target} WHERE ${query.where}`, ...Array(6).fill(execute), `EXPLAIN (ANALYZE, COSTS OFF) ${execute}`].join(';'),
    );
    return rows.map(([line]) => line).join('\n');
  }

  async function collectionTable(collection: string): Promise<string> {
    const { rows } = await sql(`SELECT _jsonb->>'table' FROM ${DB}._ferretdb_database_metadata WHERE _jsonb->>'_id' = '${collection}'`);
    return rows[0]![0]!;
  }

  async function indexesOf(collection: string, method: 'btree' | 'gin'): Promise<string[]> {
    const { rows } = await sql(
      `SELECT indexname FROM pg_indexes WHERE schemaname = '${DB}' AND tablename = '${await collectionTable(collection)}'
          AND indexdef LIKE '% USING ${method} %' ORDER BY indexname`,
    );
    return rows.map(([name]) => name!);
  }
  const btreeIndexes = (collection: string) => indexesOf(collection, 'btree');
  const ginIndexes = (collection: string) => indexesOf(collection, 'gin');
});

const ms = (value: number) => `${value.toFixed(2).padStart(6)} ms`;
const executionMs = (plan: string) => Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1]);
const indexUsed = (plan: string) => /Index Scan on (\S+)/.exec(plan)?.[1] ?? '-';
