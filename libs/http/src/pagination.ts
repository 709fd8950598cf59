import { z } from 'zod';

/** `?page=1&pageSize=20` (at most 100), shared by every list route. */
export const paginationQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});
export type Pagination = z.infer<typeof paginationQuery>;

/** `?sort=field` ascending or `?sort=-field` descending, among the fields a route allows. */
export function sortQuery<const Fields extends readonly [string, ...string[]]>(fields: Fields, defaultSort: `${'' | '-'}${Fields[number]}`) {
  const allowed = fields.flatMap((f) => [f, `-${f}`]) as [string, ...string[]];
  return z.enum(allowed).default(defaultSort);
}

/** The mongo sort of a `sortQuery` value, with `_id` as tie-breaker so pages never overlap. */
export function toMongoSort(sort: string, fieldMap: Record<string, string> = {}): Record<string, 1 | -1> {
  const descending = sort.startsWith('-');
  const field = descending ? sort.slice(1) : sort;
  return { [fieldMap[field] ?? field]: descending ? -1 : 1, _id: 1 };
}

export function paginated<Item extends z.ZodType>(item: Item) {
  return z.object({
    items: z.array(item),
    page: z.number().int(),
    pageSize: z.number().int(),
    total: z.number().int(),
  });
}

export const skipOf = ({ page, pageSize }: Pagination) => (page - 1) * pageSize;
