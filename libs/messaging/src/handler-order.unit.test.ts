import { describe, expect, it } from 'vitest';
import { resolveOrder, runInOrder, type HandlerUnit } from './handler-order';

const unit = (name: string, after: string[] = []): HandlerUnit<string> => ({ name, after, run: name, waitsFor: [] });

/** Runs the units; each records its start and its end, and waits for what `gate` says before ending. */
function runner(gate: Record<string, () => Promise<void>> = {}, fail: Set<string> = new Set()) {
  const log: string[] = [];
  const start = async (u: HandlerUnit<string>) => {
    log.push(`${u.run}:start`);
    await (gate[u.run] ?? (() => Promise.resolve()))();
    if (fail.has(u.run)) throw new Error(`${u.run} failed`);
    log.push(`${u.run}:end`);
  };
  return { log, start };
}

describe('handler order: side by side unless declared', () => {
  it('starts every unit without an order at once, and one declared after another once that one succeeded', async () => {
    const units = [unit('a'), unit('b'), unit('c', ['a'])];
    resolveOrder('probe', units);
    let releaseA!: () => void;
    const aReleased = new Promise<void>((resolve) => (releaseA = resolve));
    const { log, start } = runner({ a: () => aReleased });
    const done = new Set<HandlerUnit<string>>();
    const run = runInOrder(units, done, start);
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual(['a:start', 'b:start', 'b:end']);
    releaseA();
    await run;
    expect(log).toEqual(['a:start', 'b:start', 'b:end', 'a:end', 'c:start', 'c:end']);
    expect(done.size).toBe(3);
  });

  it('on a failure starts nothing more, lets the running ones finish, throws the first error; a retry runs only what did not succeed', async () => {
    const units = [unit('a'), unit('b'), unit('c', ['a'])];
    resolveOrder('probe', units);
    const done = new Set<HandlerUnit<string>>();
    const first = runner({}, new Set(['a']));
    await expect(runInOrder(units, done, first.start)).rejects.toThrow('a failed');
    expect(first.log).toEqual(['a:start', 'b:start', 'b:end']);
    const retry = runner();
    await runInOrder(units, done, retry.start);
    expect(retry.log).toEqual(['a:start', 'a:end', 'c:start', 'c:end']);
  });

  it('keeps the order a unit was given before (a consumer in registration order) besides the one it names', async () => {
    const [a, b, c] = [unit('a'), unit('b'), unit('c')];
    b.waitsFor.push(a);
    c.waitsFor.push(b);
    resolveOrder('probe', [a, b, c]);
    const { log, start } = runner();
    await runInOrder([a, b, c], new Set(), start);
    expect(log).toEqual(['a:start', 'a:end', 'b:start', 'b:end', 'c:start', 'c:end']);
  });

  it('refuses a cyclic order', () => {
    expect(() => resolveOrder('probe', [unit('a', ['b']), unit('b', ['a'])])).toThrow('cyclic order');
  });
});
