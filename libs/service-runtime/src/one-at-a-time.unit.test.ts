import { describe, expect, it } from 'vitest';
import { oneAtATime } from './one-at-a-time';

const deferred = () => {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
};

describe('oneAtATime', () => {
  it('runs the tasks of one key one after another, in the order asked, telling each whether it waited', async () => {
    const queue = oneAtATime();
    const log: string[] = [];
    const first = deferred();
    const a = queue.run('k', async (queued) => {
      log.push(`a start ${queued}`);
      await first.promise;
      log.push('a end');
    });
    const b = queue.run('k', async (queued) => void log.push(`b start ${queued}`));
    await Promise.resolve();
    expect(log).toEqual(['a start false']);
    first.resolve();
    await Promise.all([a, b]);
    expect(log).toEqual(['a start false', 'a end', 'b start true']);
  });

  it('runs tasks of different keys side by side', async () => {
    const queue = oneAtATime();
    const held = deferred();
    const started: string[] = [];
    const a = queue.run('k1', async () => {
      started.push('k1');
      await held.promise;
    });
    await queue.run('k2', async () => void started.push('k2'));
    expect(started).toEqual(['k1', 'k2']);
    held.resolve();
    await a;
  });

  it('a failed task fails its caller only: the next task of the key runs', async () => {
    const queue = oneAtATime();
    const failing = queue.run('k', async () => {
      throw new Error('refused');
    });
    const next = queue.run('k', async (queued) => queued);
    await expect(failing).rejects.toThrow('refused');
    await expect(next).resolves.toBe(true);
    // Once the key is idle again, a task no longer waits.
    await expect(queue.run('k', async (queued) => queued)).resolves.toBe(false);
  });
});
