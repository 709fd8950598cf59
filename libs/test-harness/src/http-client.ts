import { mintDevelopmentToken, type Role } from '@aap/http';

/** What a test reads from an answer: the status, lower-cased headers, and the body (parsed when JSON or problem+json). */
export interface HttpAnswer<Body = any> {
  status: number;
  headers: Record<string, string>;
  body: Body;
  /** The body as received, byte for byte (a file: XLSX, PDF; a CSV's BOM, which `body` drops as any UTF-8 decoding does). */
  bytes: Buffer;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  /** Query parameters, appended to the path. */
  query?: Record<string, string | number | boolean | undefined>;
  /** The request fails (rejects) when not answered within this many milliseconds: a deadline the answer must meet. */
  timeoutMs?: number;
}

/** Requests as one caller. A plain object or array body is sent as JSON; FormData, strings and bytes as they are. */
export interface Requester {
  get<Body = any>(path: string, options?: RequestOptions): Promise<HttpAnswer<Body>>;
  delete<Body = any>(path: string, options?: RequestOptions): Promise<HttpAnswer<Body>>;
  post<Body = any>(path: string, body?: unknown, options?: RequestOptions): Promise<HttpAnswer<Body>>;
  put<Body = any>(path: string, body?: unknown, options?: RequestOptions): Promise<HttpAnswer<Body>>;
  patch<Body = any>(path: string, body?: unknown, options?: RequestOptions): Promise<HttpAnswer<Body>>;
  request<Body = any>(method: string, path: string, body?: unknown, options?: RequestOptions): Promise<HttpAnswer<Body>>;
}

export interface CallerClaims {
  org?: string;
  sub?: string;
  name?: string;
  email?: string;
}

export interface HttpClient {
  /** Requests with a development token of these roles (and organisation, for an applicant). */
  as(roles: Role | Role[], claims?: CallerClaims): Requester;
  /** Requests with this exact Authorization bearer token. */
  withToken(token: string): Requester;
  /** Requests without an Authorization header. */
  anonymous(): Requester;
}

const isRawBody = (body: unknown) =>
  typeof body === 'string' || body instanceof FormData || body instanceof URLSearchParams || body instanceof Uint8Array || body instanceof Blob;

export interface HttpClientOptions {
  /** The secret tokens are signed with (default: the development secret services in AAP_DEV_MODE accept). */
  secret?: string;
  /** Headers sent with every request (a journey's `traceparent`), computed per request. */
  headers?: () => Record<string, string>;
}

/**
 * A small typed HTTP client for integration tests (and the demo journey):
 * `const api = httpClient(service.url); await api.as('applicant', { org }).post('/dossiers', body)` → `{ status, headers, body }`.
 */
export function httpClient(baseUrl: string, clientOptions: HttpClientOptions = {}): HttpClient {
  const requester = (token: () => Promise<string | undefined>): Requester => {
    const send = async (method: string, path: string, body: unknown, options: RequestOptions = {}): Promise<HttpAnswer> => {
      const url = new URL(path, baseUrl);
      for (const [name, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.append(name, String(value));
      const bearer = await token();
      const headers: Record<string, string> = {
        ...clientOptions.headers?.(),
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        ...(body !== undefined && !isRawBody(body) ? { 'content-type': 'application/json' } : {}),
        ...options.headers,
      };
      const response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : isRawBody(body) ? (body as RequestInit['body']) : JSON.stringify(body),
        signal: options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs),
      });
      const bytes = Buffer.from(await response.arrayBuffer());
      const text = new TextDecoder().decode(bytes);
      const type = response.headers.get('content-type') ?? '';
      return {
        status: response.status,
        headers: Object.fromEntries(response.headers.entries()),
        body: /[/+]json\b/.test(type) && text ? JSON.parse(text) : text,
        bytes,
      };
    };
    return {
      get: (path, options) => send('GET', path, undefined, options),
      delete: (path, options) => send('DELETE', path, undefined, options),
      post: (path, body, options) => send('POST', path, body, options),
      put: (path, body, options) => send('PUT', path, body, options),
      patch: (path, body, options) => send('PATCH', path, body, options),
      request: (method, path, body, options) => send(method.toUpperCase(), path, body, options),
    };
  };

  return {
    as(roles, claims = {}) {
      const roleList = Array.isArray(roles) ? roles : [roles];
      let minted: Promise<string> | undefined;
      return requester(() =>
        (minted ??= mintDevelopmentToken(
          { ...claims, sub: claims.sub ?? `test-${roleList.join('-')}${claims.org ? `-${claims.org}` : ''}`, roles: roleList },
          { secret: clientOptions.secret },
        )),
      );
    },
    withToken: (token) => requester(async () => token),
    anonymous: () => requester(async () => undefined),
  };
}
