/**
 * What log lines never carry: secrets and personal data. Two layers, both in the logger (logger.ts):
 * - fields named like a secret or a personal datum (`token`, `req.headers.authorization`,
 *   `applicant.email`…) are replaced whatever their value;
 * - free text (messages, error messages and stacks, any other value) is censored by pattern on the
 *   serialised line: IBANs, e-mail addresses, French phone numbers, bearer tokens and JWTs, URL
 *   credentials. One pass of a regular expression over the line, no walk over the logged object.
 */
import { isValidIBAN } from 'ibantools';
export const CENSORED = '[Redacted]';

/** Field names whose value is never logged, at any of the first FIELD_DEPTH levels of a logged object. */
const SENSITIVE_FIELDS = new Set([
  'authorization', 'cookie', 'set-cookie', 'x-api-key', 'token', 'accessToken', 'refreshToken', 'idToken', 'password', 'secret',
  'clientSecret', 'apiKey', 'iban', 'bic', 'email', 'phone', 'telephone', 'mobile',
]);
/** Deep enough for `req.headers.authorization` and `applicant.contact.email`; deeper objects are left to the text censor. */
const FIELD_DEPTH = 3;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null);

/**
 * `object` with the values of sensitive fields replaced by CENSORED, copied only where something is
 * replaced (the caller's object is never changed). A walk over the logged object's own keys with a
 * set lookup each: pino's `redact` with a wildcard path per field cost ten times the line itself.
 */
export function redactFields<T extends object>(object: T, depth = FIELD_DEPTH): T {
  const source = object as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const key in source) {
    const value = source[key];
    let replaced = value;
    if (SENSITIVE_FIELDS.has(key)) replaced = value === undefined || value === null ? value : CENSORED;
    else if (depth > 1 && (isPlainObject(value) || Array.isArray(value))) replaced = redactFields(value, depth - 1);
    if (replaced !== value) (copy ??= Array.isArray(source) ? [...source] as unknown as Record<string, unknown> : { ...source })[key] = replaced;
  }
  return (copy ?? object) as T;
}

/**
 * Right after a complete escape of the JSON line (`\n` of an error stack, `\"`, `\\`): an even run of
 * backslashes, then the escape. A match never starts on the letter of an escape, which would break it.
 */
const AFTER_ESCAPE = String.raw`(?:^|[^\\])(?:\\\\)*(?:\\\\|\\[nrt"/])`;
/** Start of a token: not inside a word, nor on the letter of an escape. */
const START = String.raw`(?<=^|[^A-Za-z0-9_\\]|${AFTER_ESCAPE})`;
/** The same, and not the decimals of a number (0.0612345678). */
const NUMBER_START = String.raw`(?<=^|[^A-Za-z0-9_.\\]|${AFTER_ESCAPE})`;
/** The same, and not within an address's local part (camille.martin@…: all of it, never `martin@…` alone). */
const EMAIL_START = String.raw`(?<=^|[^A-Za-z0-9_.%+\\-]|${AFTER_ESCAPE})`;
/** End of a token: not followed by a letter or digit. */
const END = String.raw`(?![A-Za-z0-9_])`;

/** Tokens recognisable anywhere in a line, scanned for in every line (a few microseconds for a usual line). */
const ANYWHERE = new RegExp(
  [
    // Bearer tokens (the scheme is kept) and JSON Web Tokens anywhere (a JOSE header starts with `{"`: eyJ).
    String.raw`(?<bearer>[Bb]earer\s+)[A-Za-z0-9._~+/=-]{8,}`,
    String.raw`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`,
    // IBANs, compact or in groups of four: in upper case, any of that shape; in lower or mixed case, only
    // one whose country, length and mod-97 check hold (`censor`), so that hexadecimal ids stay.
    String.raw`${START}[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,30}${END}`,
    String.raw`${START}(?<anyCaseIban>[A-Za-z]{2}[0-9]{2}(?: ?[A-Za-z0-9]){11,30})${END}`,
    // French phone numbers: 0X XX XX XX XX, +33 X…, 0033 X…, with spaces, dots or dashes, or none.
    String.raw`${NUMBER_START}(?:\+33 ?|0033 ?|0)[1-9](?:[ .-]?[0-9]{2}){4}${END}`,
  ].join('|'),
  'g',
);

/** Tokens around an `@` (or `%40`), scanned for only in lines holding one (their scan costs more). */
const AROUND_AT = new RegExp(
  [
    // Credentials in a URL (mongodb://user:password@host): the user and password.
    String.raw`(?<=:\/\/)[^\s/@":\\]+:[^\s/@"\\]+(?=@)`,
    // E-mail addresses, also URL-encoded in a query string (`%40`).
    String.raw`${EMAIL_START}[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}${END}`,
  ].join('|'),
  'g',
);

/**
 * How much of a lower- or mixed-case candidate is an IBAN: the longest run of its space-separated groups
 * that passes the check (the pattern may have taken a following word: "fr76… x"); 0 when none does.
 */
function ibanLength(candidate: string): number {
  for (let run = candidate; ; run = run.slice(0, run.lastIndexOf(' '))) {
    if (isValidIBAN(run.replace(/ /g, '').toUpperCase())) return run.length;
    if (!run.includes(' ')) return 0;
  }
}

/** The replacement of a match: CENSORED, after the scheme of a bearer token; of a lower-case IBAN candidate, only the IBAN. */
const censor = (match: string, ...args: unknown[]) => {
  const groups = (args.at(-1) ?? {}) as { bearer?: string; anyCaseIban?: string };
  if (groups.anyCaseIban) {
    const length = ibanLength(groups.anyCaseIban);
    return length === 0 ? match : `${CENSORED}${match.slice(length)}`;
  }
  return `${groups.bearer ?? ''}${CENSORED}`;
};

/** `text` with every secret or personal datum the patterns recognise replaced by CENSORED. */
export function censorText(text: string): string {
  const censored = text.replace(ANYWHERE, censor);
  return censored.includes('@') || censored.includes('%40') ? censored.replace(AROUND_AT, censor) : censored;
}
