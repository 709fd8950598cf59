import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./logger-exit.fixture.ts', import.meta.url));

describe('the service logger (batched asynchronous writes to stdout)', () => {
  it.each([0, 1])('given 2 000 lines logged right before process.exit(%i), when the process ends, then every line was written, in order', (exitCode) => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', fixture], {
      env: { ...process.env, LINES: '2000', EXIT_CODE: String(exitCode) },
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    expect(run.status).toBe(exitCode);
    const lines = run.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((line) => line.i)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    expect(lines[0]).toMatchObject({ service: 'exit-fixture', level: 30, msg: 'line' });
  });

  it('given one line on a quiet service (far less than a batch), when logged, then it reaches stdout while the process runs (not only at its exit)', async () => {
    // The process stays alive until killed: a line that reaches stdout was flushed while it ran.
    const child = spawn(process.execPath, ['--import', 'tsx', fixture], { env: { ...process.env, LINES: '1', HOLD_MS: '600000' } });
    try {
      await once(child.stderr, 'data');
      const [chunk] = await once(child.stdout, 'data');
      expect(JSON.parse(String(chunk))).toMatchObject({ i: 0, msg: 'line' });
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill();
    }
  });
});
