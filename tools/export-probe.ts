/**
 * npx tsx tools/export-probe.ts [--dossiers 10000] [--format csv|xlsx] [--runs 2]
 * The streamed export of a call's dossiers measured from outside: a fresh database on the local
 * FerretDB (MONGODB_URI, default mongodb://127.0.0.1:27017/), N dossiers of one call inserted straight
 * into it (shaped as the dossier store writes them, ~2.5 kB each), the submission service run as its
 * own process (as in production), then GET /calls/:callId/dossiers.<format> `runs` times: time to the
 * first byte, to the last, bytes, lines, and the server's RSS growth during the export (VmRSS sampled
 * every 20 ms, highest minus the value before). The first run of a call reads the dossiers (and writes
 * their export lines), the next ones read the lines. The database is dropped at the end (its topics, named by a probe prefix, stay).
 */
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import mongoose from 'mongoose';
import { mintDevelopmentToken } from '@aap/http';
import { startServiceProcess } from '@aap/test-harness';
import { createPublishedCall } from '../apps/submission-service/src/calls/testing';
import { storedDossier } from '../apps/submission-service/src/dossier-exports/testing';

const { values } = parseArgs({ options: { dossiers: { type: 'string', default: '10000' }, format: { type: 'string', default: 'csv' }, runs: { type: 'string', default: '2' } } });
const size = Number(values.dossiers);
const mongoUri = process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/';
const prefix = `probe${randomBytes(3).toString('hex')}`;
const database = `${prefix}_submission`;

const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

const server = await startServiceProcess('submission', {
  HOST: '127.0.0.1',
  PORT: '0',
  MONGODB_URI: mongoUri,
  MONGODB_DB: database,
  KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
  KAFKA_TOPIC_PREFIX: prefix,
  AAP_DEV_MODE: 'true',
  LOG_LEVEL: 'warn',
});
const client = new mongoose.mongo.MongoClient(mongoUri);
try {
  const { callId } = await createPublishedCall(server.url);
  const dossiers = client.db(database).collection('dossiers');
  const seeding = Date.now();
  for (let from = 0; from < size; from += 500) {
    await dossiers.insertMany(Array.from({ length: Math.min(500, size - from) }, (_, i) => storedDossier(callId, from + i)) as never[]);
  }
  console.log(`seeded ${size} dossiers in ${Date.now() - seeding} ms`);
  const authorization = `Bearer ${await mintDevelopmentToken({ sub: 'test-programme-manager', roles: ['programme-manager'] })}`;

  for (let run = 1; run <= Number(values.runs); run++) {
    const pid = server.process.pid!;
    const before = rssKb(pid);
    let highest = before;
    const sampler = setInterval(() => (highest = Math.max(highest, rssKb(pid))), 20);
    const started = performance.now();
    const response = await fetch(`${server.url}/calls/${callId}/dossiers.${values.format}?includeDrafts=true`, { headers: { authorization } });
    const reader = response.body!.getReader();
    let firstByteMs = 0;
    let bytes = 0;
    let lineBreaks = 0;
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      if (!firstByteMs) firstByteMs = performance.now() - started;
      bytes += next.value.byteLength;
      if (values.format === 'csv') for (const byte of next.value) if (byte === 0x0a) lineBreaks++;
    }
    const wholeMs = performance.now() - started;
    clearInterval(sampler);
    highest = Math.max(highest, rssKb(pid));
    console.log(
      JSON.stringify({
        run,
        source: run === 1 ? 'dossiers (first export: writes the lines)' : 'export lines',
        status: response.status,
        firstByteMs: Math.round(firstByteMs),
        wholeMs: Math.round(wholeMs),
        megabytes: +(bytes / 1e6).toFixed(1),
        ...(values.format === 'csv' ? { csvLineBreaks: lineBreaks } : {}),
        rssBeforeMb: Math.round(before / 1024),
        rssGrowthMb: +((highest - before) / 1024).toFixed(1),
      }),
    );
  }
} finally {
  await server.stop();
  await client.db(database).dropDatabase();
  await client.close();
}
