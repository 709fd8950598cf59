import type { Requester } from './http-client';

/** One operation of a service's OpenAPI document, its path parameters filled in. */
export interface DocumentedOperation {
  method: string;
  path: string;
  tags: string[];
  /** The roles the route declares, as its description states them ("Roles: finance, admin."). */
  roles: string[];
}

const rolesOf = (description = '') => /Roles: ([^.]+)\./.exec(description)?.[1]?.split(', ') ?? [];

/**
 * Every operation a service documents (its health, diagnostics and document routes aside), read from
 * its own `/openapi.json` by `admin`: the route-access tests cover a route added later without being
 * touched. `ids` fills the path parameters by name; an unnamed one becomes `x`.
 */
export async function documentedOperations(admin: Requester, ids: Record<string, string>): Promise<DocumentedOperation[]> {
  const document = (await admin.get('/openapi.json')).body as { paths: Record<string, Record<string, { tags?: string[]; description?: string }>> };
  return Object.entries(document.paths)
    .filter(([path]) => !path.startsWith('/health') && !path.startsWith('/diagnostics') && !path.startsWith('/openapi'))
    .flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        method: method.toUpperCase(),
        path: path.replace(/\{(\w+)\}/g, (_, name: string) => ids[name] ?? 'x'),
        tags: operation.tags ?? [],
        roles: rolesOf(operation.description),
      })),
    );
}
