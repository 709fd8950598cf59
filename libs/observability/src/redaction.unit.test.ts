import { describe, expect, it } from 'vitest';
import { createLogger } from './logger';
import { CENSORED, censorText } from './redaction';

/** A logger whose lines are kept, parsed, instead of written to stdout. */
function capturedLogger() {
  const lines: string[] = [];
  const logger = createLogger({ service: 'redaction-test', level: 'debug', destination: { write: (line: string) => void lines.push(line) } });
  return { logger, lines, parsed: () => lines.map((line) => JSON.parse(line) as Record<string, any>) };
}

const IBAN = 'FR7630006000011234567890189';
const IBAN_GROUPED = 'FR76 3000 6000 0112 3456 7890 189';
const EMAIL = 'camille.martin+aap@mairie-lyon.fr';
const PHONE = '06 12 34 56 78';
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0LWFkbWluIn0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';
const SECRETS = [IBAN, IBAN_GROUPED, EMAIL, PHONE, JWT, 'ONSYlGXAfqUx6a9s'];

describe('log redaction', () => {
  it('given a line with an IBAN, an e-mail, a phone number and a token in its message, its fields and its error, then each shows redacted and the rest is kept', () => {
    const { logger, lines, parsed } = capturedLogger();
    logger.info(
      {
        req: { method: 'POST', url: '/dossiers', headers: { authorization: `Bearer ${JWT}`, 'content-type': 'application/json' } },
        applicant: { email: EMAIL, phone: PHONE, iban: IBAN, name: 'Camille Martin' },
        token: 'ONSYlGXAfqUx6a9s',
        note: `bank details ${IBAN_GROUPED}, reach me at ${EMAIL} or +33 6 12 34 56 78`,
        dossierId: 'd-42',
      },
      `payment to ${IBAN} for ${EMAIL}, phone ${PHONE}, Authorization: Bearer ${JWT}`,
    );
    logger.error({ err: new Error(`cannot reach ${EMAIL}\nIBAN ${IBAN} refused; token ${JWT}`) }, 'delivery failed');

    const raw = lines.join('');
    for (const secret of SECRETS) expect(raw).not.toContain(secret);
    expect(raw).not.toContain('+33 6 12 34 56 78');
    const [info, error] = parsed();
    expect(info).toMatchObject({
      msg: `payment to ${CENSORED} for ${CENSORED}, phone ${CENSORED}, Authorization: Bearer ${CENSORED}`,
      req: { method: 'POST', url: '/dossiers', headers: { authorization: CENSORED, 'content-type': 'application/json' } },
      applicant: { email: CENSORED, phone: CENSORED, iban: CENSORED, name: 'Camille Martin' },
      token: CENSORED,
      note: `bank details ${CENSORED}, reach me at ${CENSORED} or ${CENSORED}`,
      dossierId: 'd-42',
      service: 'redaction-test',
    });
    expect(error!.err.message).toBe(`cannot reach ${CENSORED}\nIBAN ${CENSORED} refused; token ${CENSORED}`);
    expect(error!.err.stack).toContain(`cannot reach ${CENSORED}`);
  });

  it('given sensitive fields in a child logger\'s bindings or an array, when logged, then they are redacted and the logged object itself is left as it was', () => {
    const { logger, parsed } = capturedLogger();
    const logged = { recipients: [{ email: EMAIL }, { email: 'other@example.org' }], attempt: 1 };
    logger.child({ deliveryId: 'd-1', email: EMAIL }).warn(logged, 'retrying');
    expect(parsed()[0]).toMatchObject({ deliveryId: 'd-1', email: CENSORED, recipients: [{ email: CENSORED }, { email: CENSORED }], attempt: 1 });
    expect(logged.recipients[0]!.email).toBe(EMAIL);
  });

  it('given personal data right after an escaped line break, quote or backslash of the JSON line, when censored, then the line stays valid JSON', () => {
    const { logger, lines, parsed } = capturedLogger();
    logger.info({ text: `"${EMAIL}"\n${PHONE}\t${IBAN}\\${EMAIL}` }, 'escapes');
    expect(lines.join('')).not.toContain(PHONE);
    expect(parsed()[0]!.text).toBe(`"${CENSORED}"\n${CENSORED}\t${CENSORED}\\${CENSORED}`);
  });

  it.each([
    ['mongodb://aap:s3cr3t-pass@db.internal:27017/', `mongodb://${CENSORED}@db.internal:27017/`],
    ['call 0612345678 or 01.23.45.67.89 or 0033 1 23 45 67 89', `call ${CENSORED} or ${CENSORED} or ${CENSORED}`],
    ['GET /reviewers?email=camille.martin%40mairie-lyon.fr&page=2', `GET /reviewers?email=${CENSORED}&page=2`],
    ['iban fr7630006000011234567890189 typed in lower case, or Fr76 3000 6000 0112 3456 7890 189 x', `iban ${CENSORED} typed in lower case, or ${CENSORED} x`],
    // IBAN-shaped in lower case but no IBAN (country, length, mod-97): an id, kept.
    ['session fr7630006000011234567890188 and de12345678901234567890', 'session fr7630006000011234567890188 and de12345678901234567890'],
  ])('given %j, when censored, then %j', (text, expected) => {
    expect(censorText(text)).toBe(expected);
  });

  it.each([
    'trace 0612345678abcdef0612345678abcdef',
    'offset 10612345678, partition 0, at 2026-12-07T17:11:44.123Z',
    'POST /calls/6750f1a2c3d4e5f601234567/dossiers took 0.0612345678 s',
    'receipt AAP-2026-000123, SIRET 21690123100011, call http://127.0.0.1:3001/health/ready',
  ])('given operational text without personal data (%j), when censored, then it is unchanged', (text) => {
    expect(censorText(text)).toBe(text);
  });
});
