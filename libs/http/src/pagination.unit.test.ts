import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { pageOf, paginated, paginationQuery, toMongoSort } from './pagination';

describe('paginated', () => {
  it('given a counted list (the default), then its answer carries total', () => {
    const page = paginated(z.object({ id: z.string() }));
    expect(page.parse({ items: [{ id: 'a' }], page: 1, pageSize: 20, total: 1 })).toEqual({ items: [{ id: 'a' }], page: 1, pageSize: 20, total: 1 });
    expect(page.safeParse({ items: [], page: 1, pageSize: 20 }).success).toBe(false);
  });

  it('given a list that does not count, then its answer has no total', () => {
    const page = paginated(z.object({ id: z.string() }), { counted: false });
    expect(page.parse({ items: [], page: 2, pageSize: 20, total: 99 })).toEqual({ items: [], page: 2, pageSize: 20 });
  });
});

describe('paging query and sort', () => {
  it('given no paging, then page 1 of 20; more than 100 a page is refused', () => {
    expect(paginationQuery.parse({})).toEqual({ page: 1, pageSize: 20 });
    expect(paginationQuery.safeParse({ pageSize: '101' }).success).toBe(false);
  });

  it('given a sort, then _id breaks ties so pages never overlap', () => {
    expect(toMongoSort('-updatedAt')).toEqual({ updatedAt: -1, _id: 1 });
    expect(toMongoSort('name', { name: 'sortName' })).toEqual({ sortName: 1, _id: 1 });
  });
});

describe('pageOf', () => {
  const list = ['a', 'b', 'c', 'd', 'e'];

  it('given a list in memory, then the asked page of it with the whole length as total', () => {
    expect(pageOf(list, { page: 2, pageSize: 2 })).toEqual({ items: ['c', 'd'], page: 2, pageSize: 2, total: 5 });
    expect(pageOf(list, { page: 3, pageSize: 2 })).toEqual({ items: ['e'], page: 3, pageSize: 2, total: 5 });
  });

  it('given a page past the end, then no items and the same total', () => {
    expect(pageOf(list, { page: 4, pageSize: 2 })).toEqual({ items: [], page: 4, pageSize: 2, total: 5 });
  });
});
