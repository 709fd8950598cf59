import { describe, expect, it } from 'vitest';
import { renderTable } from './table';
import { allOf, atMost, flatness, latencyRatio, passText, ratioAtLeast } from './targets';

describe('targets', () => {
  it('atMost: a limit met, missed, or not measured', () => {
    expect(atMost('p99', 120, 150, 'ms')).toEqual({ target: 'p99 ≤ 150 ms', pass: true });
    expect(atMost('p99', 151, 150, 'ms').pass).toBe(false);
    expect(atMost('p99', Number.NaN, 150, 'ms').pass).toBeUndefined();
    expect(atMost('queued', 0, 0, '')).toEqual({ target: 'queued ≤ 0', pass: true });
  });

  it('ratioAtLeast: product beside baseline', () => {
    expect(ratioAtLeast(0.61, 0.6)).toEqual({ target: '≥ 0.6× baseline', pass: true });
    expect(ratioAtLeast(0.4, 0.6).pass).toBe(false);
    expect(ratioAtLeast(null, 0.6).pass).toBeUndefined();
  });

  it('flatness: the largest call over the smallest, within 1.5×', () => {
    expect(flatness(10, 14)).toMatchObject({ ratio: 1.4, pass: true });
    expect(flatness(10, 16).pass).toBe(false);
    expect(flatness(0, 16).pass).toBeUndefined();
    expect(flatness(10, Number.NaN).pass).toBeUndefined();
  });

  it('latencyRatio: baseline over product, null when either is missing', () => {
    expect(latencyRatio(10, 5)).toBe(2);
    expect(latencyRatio(Number.NaN, 5)).toBeNull();
    expect(latencyRatio(10, Number.NaN)).toBeNull();
    expect(latencyRatio(10, 0)).toBeNull();
  });

  it('allOf: passes when each passes; the failing one marked', () => {
    const checks = [atMost('first byte', 100, 200, 'ms'), atMost('whole', 6_000, 5_000, 'ms')];
    expect(allOf(checks)).toEqual({ target: 'first byte ≤ 200 ms · whole ≤ 5000 ms ✗', pass: false });
    expect(allOf([atMost('a', 1, 2, ''), atMost('b', Number.NaN, 2, '')]).pass).toBeUndefined();
    expect(allOf([atMost('a', 1, 2, '')]).target).toBe('a ≤ 2');
    expect([true, false, undefined].map(passText)).toEqual(['pass', 'FAIL', '—']);
  });

  it('the table shows the target and pass columns, empty for a row without a target', () => {
    const table = renderTable([
      { id: 'a', figure: 'list', product: '1', baseline: '2', ratio: 2, latency: '', details: {}, ...atMost('p99', 100, 150, 'ms') },
      { id: 'b', figure: 'read', product: '1', baseline: '2', ratio: null, latency: '', details: {} },
    ]);
    const [header, , list, read] = table.split('\n');
    expect(header).toMatch(/\| ratio \| target\s+\| pass \|/);
    expect(list).toContain('| 2.00  | p99 ≤ 150 ms | pass |');
    expect(read).toMatch(/\| —\s+\|\s+\|\s+\|/);
  });
});
