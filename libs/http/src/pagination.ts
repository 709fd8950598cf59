import type { FilterQuery, Model } from 'mongoose';
import { z } from 'zod';

/** `?page=1&pageSize=20` (at most 100), shared by every list route. */
export const paginationQuery = z.object({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});
export type Pagination = z.infer<typeof paginationQuery>;

/** A field ascending, or descending with a leading `-`. */
export type SortOf<Field extends string> = Field | `-${Field}`;

/** `?sort=field` ascending or `?sort=-field` descending, among the fields a route allows. */
export function sortQuery<const Fields extends readonly [string, ...string[]]>(fields: Fields, defaultSort: SortOf<Fields[number]>) {
  const allowed = fields.flatMap((f) => [f, `-${f}`]) as [SortOf<Fields[number]>, ...SortOf<Fields[number]>[]];
  // The default is one of `allowed` by its type; zod cannot see it through the generic template literal.
  return z.enum(allowed).default(defaultSort as never);
}

export type MongoSort = Record<string, 1 | -1>;

/** The mongo sort of a `sortQuery` value, with `_id` as tie-breaker so pages never overlap. */
export function toMongoSort(sort: string, fieldMap: Record<string, string> = {}): MongoSort {
  const descending = sort.startsWith('-');
  const field = descending ? sort.slice(1) : sort;
  return { [fieldMap[field] ?? field]: descending ? -1 : 1, _id: 1 };
}

/**
 * The response schema of a page. `total` is part of it unless the route says it does not count
 * (`{ counted: false }`): a count reads the whole filtered collection on FerretDB.
 */
export function paginated<Item extends z.ZodType>(item: Item): z.ZodObject<{ items: z.ZodArray<Item>; page: z.ZodNumber; pageSize: z.ZodNumber; total: z.ZodNumber }>;
export function paginated<Item extends z.ZodType>(item: Item, options: { counted: false }): z.ZodObject<{ items: z.ZodArray<Item>; page: z.ZodNumber; pageSize: z.ZodNumber }>;
export function paginated<Item extends z.ZodType>(item: Item, options: { counted?: boolean } = {}) {
  const page = z.object({ items: z.array(item), page: z.number().int(), pageSize: z.number().int() });
  return options.counted === false ? page : page.extend({ total: z.number().int() });
}

/** One page of a list; `total` only when it was asked for (`paginate(…, { count: true })`). */
export interface Page<View> {
  items: View[];
  page: number;
  pageSize: number;
  total?: number;
}

/** A page with the number of items matching the filter. */
export interface CountedPage<View> extends Page<View> {
  total: number;
}

export const skipOf = ({ page, pageSize }: Pagination) => (page - 1) * pageSize;

/**
 * One page of a list already in memory (a document holding the whole list, or one computed from a
 * few small documents), counted: its length costs nothing.
 */
export function pageOf<Item>(list: readonly Item[], pagination: Pagination): CountedPage<Item> {
  const start = skipOf(pagination);
  return { items: list.slice(start, start + pagination.pageSize), page: pagination.page, pageSize: pagination.pageSize, total: list.length };
}

export interface PaginateOptions {
  /**
   * Counts the items matching the filter (`total`). Off unless asked: on FerretDB a count reads and
   * decodes every document the filter selects, so a route pays for it only when it documents `total`.
   */
  count?: boolean;
}

/**
 * One page of a collection, every list route's find/sort/skip/limit (and count, when asked).
 * `sort` is a mongo sort or a `sortQuery` value; `_id` always breaks ties so pages never overlap.
 */
export function paginate<Doc, View>(
  model: Model<Doc>,
  filter: FilterQuery<Doc>,
  query: Pagination & { sort: MongoSort | string },
  toView: (document: Doc) => View,
  options: PaginateOptions & { count: true },
): Promise<CountedPage<View>>;
export function paginate<Doc, View>(
  model: Model<Doc>,
  filter: FilterQuery<Doc>,
  query: Pagination & { sort: MongoSort | string },
  toView: (document: Doc) => View,
  options?: PaginateOptions,
): Promise<Page<View>>;
export async function paginate<Doc, View>(
  model: Model<Doc>,
  filter: FilterQuery<Doc>,
  { page, pageSize, sort }: Pagination & { sort: MongoSort | string },
  toView: (document: Doc) => View,
  options: PaginateOptions = {},
): Promise<Page<View>> {
  const order = typeof sort === 'string' ? toMongoSort(sort) : { ...sort, _id: sort._id ?? 1 };
  const [documents, total] = await Promise.all([
    model.find(filter).sort(order).skip(skipOf({ page, pageSize })).limit(pageSize).lean<Doc[]>(),
    options.count ? model.countDocuments(filter) : undefined,
  ]);
  return { items: documents.map(toView), page, pageSize, ...(total !== undefined ? { total } : {}) };
}
