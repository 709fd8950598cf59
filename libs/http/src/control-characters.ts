import { invalidRequest, type HttpProblem, type ProblemError } from './problem';

/**
 * C0 control characters and DEL, tab, line feed and carriage return aside (long texts keep their
 * lines). They have no business in a request string, and the store refuses some of them: PostgreSQL
 * (under FerretDB) rejects U+0000, which would otherwise surface as a 500 after part of a command ran.
 */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/** Past this depth a structure is not walked further: no route takes anything that deep. */
const MAX_DEPTH = 32;

type Location = 'body' | 'query' | 'params';

/**
 * One error per string of the parsed request (body, query, path parameters) that holds a control
 * character, named like the validation errors (`in`, dotted `name`, JSON `pointer`). Keys count too.
 * Buffers and streams (multipart files) are not walked.
 */
export function controlCharacterErrors(parts: Partial<Record<Location, unknown>>): ProblemError[] {
  const errors: ProblemError[] = [];
  const seen = new WeakSet<object>();
  const visit = (value: unknown, where: Location, path: string[], depth: number): void => {
    if (typeof value === 'string') {
      if (CONTROL_CHARACTER.test(value)) errors.push(errorAt(where, path, describe(value)));
      return;
    }
    if (depth >= MAX_DEPTH || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      value.forEach((item, index) => visit(item, where, [...path, String(index)], depth + 1));
      return;
    }
    // Binary data and streams (multipart files) are not request strings; `seen` guards against cycles.
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || typeof (value as { pipe?: unknown }).pipe === 'function' || seen.has(value)) return;
    seen.add(value);
    for (const [key, item] of Object.entries(value)) {
      if (CONTROL_CHARACTER.test(key)) errors.push(errorAt(where, [...path, key], `its name ${describe(key)}`));
      else visit(item, where, [...path, key], depth + 1);
    }
  };
  for (const where of ['body', 'query', 'params'] as const) visit(parts[where], where, [], 0);
  return errors;
}

function errorAt(where: Location, path: string[], detail: string): ProblemError {
  return {
    in: where,
    name: path.join('.') || where,
    pointer: path.length ? `#/${path.map((segment) => segment.replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}` : '#',
    detail,
  };
}

function describe(text: string): string {
  const code = text.match(CONTROL_CHARACTER)![0].charCodeAt(0);
  return `holds the control character U+${code.toString(16).toUpperCase().padStart(4, '0')}: control characters other than tab, line feed and carriage return are not accepted`;
}

/** The 400 answering a request whose strings hold control characters (same shape as a validation failure). */
export function controlCharacterProblem(errors: ProblemError[]): HttpProblem {
  return invalidRequest(errors, `${errors.length} field(s) hold control characters`);
}
