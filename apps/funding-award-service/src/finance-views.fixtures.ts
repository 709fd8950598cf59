import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { CallPublished, type CallSnapshot } from '@aap/contracts';
import { eventually, type HttpClient, type TestEnvironment, type eventPublisher } from '@aap/test-harness';
import { passNumeriqueCallRules } from '@aap/submission-service/demo';
import { LYON, acceptDossier, ok, recordLegalCommitment } from './int-fixtures';

/**
 * Fixtures of the finance views' integration tests (ledger, payments export, history; imported by
 * tests only): a call of their own, awards on it taken to their payments over HTTP.
 */

type Publisher = Awaited<ReturnType<typeof eventPublisher>>;

/** A published Pass numérique call (the demo's rules) as the submission service publishes it, with this envelope. */
export function callOf(callId: string, budgetEnvelopeCents: number): CallSnapshot {
  const rules = passNumeriqueCallRules({ budgetEnvelopeCents }, new Date('2026-09-01T09:00:00+02:00'));
  return { ...rules, callId, status: 'published', closesAt: rules.waves.at(-1)!.closesAt, publishedAt: '2026-09-01T07:00:00.000Z', version: 1 };
}

export { ok } from './int-fixtures';

export const IBAN = 'FR76 3000 6000 0112 3456 7890 189';

/** The callers of the finance views' tests: the commune of Lyon's applicant, finance officers by number. */
export function financeActors(env: TestEnvironment, api: () => HttpClient) {
  const beneficiary = () => api().as('applicant', { org: LYON, sub: 'applicant-1' });
  const finance = (n: number) => api().as('finance', { sub: `finance-${n}` });
  return {
    beneficiary,
    finance,
    /** An award of 20 000 € on 40 000 € on the call, started, its legal commitment recorded, its bank details validated: its id and the bank details' id. */
    async readyAward(publisher: Publisher, call: CallSnapshot): Promise<{ awardId: string; bankDetailsId: string }> {
      const awardId = randomUUID();
      await acceptDossier(env, publisher, awardId, { call });
      await eventually(async () => expect((await finance(1).get(`/awards/${awardId}`)).status).toBe(200));
      ok(await beneficiary().post(`/awards/${awardId}/execution-start`, { startedOn: '2026-12-01' }));
      const submitted = ok(await beneficiary().post(`/awards/${awardId}/bank-details`, { iban: IBAN, bic: 'BNPAFRPPXXX', holder: 'Commune de Lyon' }));
      const bankDetailsId = submitted.pendingBankDetails.bankDetailsId as string;
      ok(await finance(1).post(`/awards/${awardId}/bank-details/${bankDetailsId}/validate`, {}));
      await recordLegalCommitment(finance(1), awardId);
      return { awardId, bankDetailsId };
    },
    /** The tranche validated by finance-1, released and paid by finance-2: the award as answered. */
    async pay(awardId: string, trancheId: string, payment: { paymentReference?: string; paidOn?: string } = {}) {
      ok(await finance(1).post(`/awards/${awardId}/tranches/${trancheId}/validate`, {}));
      ok(await finance(2).post(`/awards/${awardId}/tranches/${trancheId}/release`));
      return ok(await finance(2).post(`/awards/${awardId}/tranches/${trancheId}/payment`, { paymentReference: payment.paymentReference ?? `CHORUS-${trancheId}`, paidOn: payment.paidOn ?? '2026-12-05' }));
    },
    /** The call published, as the submission service does. */
    publishCall: (publisher: Publisher, call: CallSnapshot) => publisher.publish(CallPublished, { call }),
  };
}
