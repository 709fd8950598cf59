import { describe, expect, it } from 'vitest';
import { ImmediateAttempts } from './immediate-attempts';

/** A run whose items finish when the test says so. */
function controlledRun() {
  const started: number[] = [];
  const finish = new Map<number, () => void>();
  const run = (item: number) =>
    new Promise<void>((resolve) => {
      started.push(item);
      finish.set(item, resolve);
    });
  return { started, run, finish: (item: number) => finish.get(item)!() };
}
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('immediate attempts', () => {
  it('given a concurrency of 2, when 4 items are pushed, then 2 run at once and the next starts as one finishes', async () => {
    const { started, run, finish } = controlledRun();
    const attempts = new ImmediateAttempts(run, { concurrency: 2, onError: () => undefined });
    for (const item of [1, 2, 3, 4]) expect(attempts.push(item)).toBe(true);
    expect(started).toEqual([1, 2]);
    finish(1);
    await tick();
    expect(started).toEqual([1, 2, 3]);
  });

  it('given the waiting list full, when one more is pushed, then it is refused (left to the scheduler)', () => {
    const { run } = controlledRun();
    const attempts = new ImmediateAttempts(run, { concurrency: 1, maxWaiting: 2, onError: () => undefined });
    expect([1, 2, 3, 4].map((item) => attempts.push(item))).toEqual([true, true, true, false]); // 1 runs, 2 and 3 wait
  });

  it('given a free place, when it is reserved, then it counts as running until its item runs or it is released', async () => {
    const { started, run, finish } = controlledRun();
    const attempts = new ImmediateAttempts(run, { concurrency: 2, onError: () => undefined });
    const first = attempts.reserve()!;
    attempts.push(1);
    expect(attempts.reserve()).toBeUndefined(); // one place reserved, one running
    attempts.push(2);
    expect(started).toEqual([1]);
    first.run(10);
    expect(started).toEqual([1, 10]);
    finish(1);
    await tick();
    expect(started).toEqual([1, 10, 2]);
  });

  it('given a reserved place given back unused, then a waiting item takes it', () => {
    const { started, run } = controlledRun();
    const attempts = new ImmediateAttempts(run, { concurrency: 1, onError: () => undefined });
    const place = attempts.reserve()!;
    attempts.push(1);
    expect(started).toEqual([]);
    place.release();
    expect(started).toEqual([1]);
  });

  it('given items waiting, when a place is asked, then none is given (a reservation never overtakes them)', () => {
    const { run } = controlledRun();
    const attempts = new ImmediateAttempts(run, { concurrency: 1, onError: () => undefined });
    attempts.push(1);
    attempts.push(2);
    expect(attempts.reserve()).toBeUndefined();
  });

  it('given a failing item, when it fails, then the error is reported and the next item still runs', async () => {
    const errors: unknown[] = [];
    const ran: number[] = [];
    const attempts = new ImmediateAttempts(
      async (item: number) => {
        ran.push(item);
        if (item === 1) throw new Error('SMTP down');
      },
      { concurrency: 1, onError: (error) => errors.push(error) },
    );
    attempts.push(1);
    attempts.push(2);
    for (let i = 0; i < 5; i++) await tick();
    expect(errors).toEqual([new Error('SMTP down')]);
    expect(ran).toEqual([1, 2]);
  });

  it('when stopped, then it waits for the items in progress, forgets those waiting and takes no more', async () => {
    const { started, run, finish } = controlledRun();
    const attempts = new ImmediateAttempts(run, { concurrency: 1, onError: () => undefined });
    attempts.push(1);
    attempts.push(2);
    let stopped = false;
    const stopping = attempts.stop().then(() => (stopped = true));
    await tick();
    expect(stopped).toBe(false);
    finish(1);
    await stopping;
    expect(started).toEqual([1]);
    expect(attempts.push(3)).toBe(false);
  });
});
