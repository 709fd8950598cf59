import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { CallPublished, DossierAccepted, type CallSnapshot } from '@aap/contracts';
import { eventually, type HttpAnswer, type HttpClient, type eventPublisher } from '@aap/test-harness';
import { LYON, acceptance } from './int-fixtures';

/**
 * Fixtures of the finance views' integration tests (ledger, payments export, history; imported by
 * tests only): a call of their own, awards on it taken to their payments over HTTP.
 */

type Publisher = Awaited<ReturnType<typeof eventPublisher>>;

/** A published Pass numérique call as the submission service publishes it, with this envelope. */
export const callOf = (callId: string, budgetEnvelopeCents: number): CallSnapshot => ({
  callId,
  title: 'Pass numérique 2027',
  programme: 'Pass numérique',
  description: 'Chèques Pass numérique.',
  budgetEnvelopeCents,
  eligibleApplicantKinds: ['commune'],
  groupementsAllowed: false,
  cofinancing: { maxStateRateBps: 5_000, minGrantCents: 1_000_000, maxGrantCents: 5_000_000, minProjectCostCents: 2_000_000, ownContribution: { enabled: true, minShareBps: 2_000 } },
  requiredDocuments: [],
  scoringGrid: { criteria: [{ criterionId: 'impact', label: 'Impact', weight: 1, maxScore: 20 }] },
  reviewersPerDossier: 1,
  paymentSchedule: { advanceBps: 3_000, interimCapBps: 8_000 },
  waves: [{ waveId: 'vague-1', label: 'Vague 1', opensAt: '2026-09-01T09:00:00+02:00', closesAt: '2026-10-31T23:59:59+01:00' }],
  maxActiveDossiersPerApplicantPerWave: 1,
  reminderDaysBeforeClose: 7,
  status: 'published',
  closesAt: '2026-10-31T23:59:59+01:00',
  publishedAt: '2026-09-01T09:00:00+02:00',
  version: 1,
});

export function ok(answer: HttpAnswer): any {
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
}

export const IBAN = 'FR76 3000 6000 0112 3456 7890 189';

/** The callers of the finance views' tests: the commune of Lyon's applicant, finance officers by number. */
export function financeActors(api: () => HttpClient) {
  const beneficiary = () => api().as('applicant', { org: LYON, sub: 'applicant-1' });
  const finance = (n: number) => api().as('finance', { sub: `finance-${n}` });
  return {
    beneficiary,
    finance,
    /** An award of 20 000 € on 40 000 € on the call, started, its bank details validated: its id and the bank details' id. */
    async readyAward(publisher: Publisher, callId: string): Promise<{ awardId: string; bankDetailsId: string }> {
      const awardId = randomUUID();
      await publisher.publish(DossierAccepted, { ...acceptance(awardId), callId });
      await eventually(async () => expect((await finance(1).get(`/awards/${awardId}`)).status).toBe(200));
      ok(await beneficiary().post(`/awards/${awardId}/execution-start`, { startedOn: '2026-12-01' }));
      const submitted = ok(await beneficiary().post(`/awards/${awardId}/bank-details`, { iban: IBAN, bic: 'BNPAFRPPXXX', holder: 'Commune de Lyon' }));
      const bankDetailsId = submitted.pendingBankDetails.bankDetailsId as string;
      ok(await finance(1).post(`/awards/${awardId}/bank-details/${bankDetailsId}/validate`, {}));
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
