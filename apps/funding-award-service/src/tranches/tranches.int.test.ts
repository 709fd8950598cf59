import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventTopicName, TranchePaid, TrancheReleased } from '@aap/contracts';
import { eventPublisher, eventually, useTestEnvironment } from '@aap/test-harness';
import type { ServiceModule } from '@aap/service-runtime';
import { service } from '../service';
import { registerAwards, type AwardDecision, type AwardState, type Awards } from '../awards';
import { submitBankDetails, validateBankDetails } from '../bank-details/bank-details';
import { declareStart } from '../execution/execution';
import { registerCopies } from '../copies';
import { acceptDossier, LEGAL_COMMITMENT, settledAward, wholeTopic } from '../int-fixtures';
import { recordLegalCommitment } from '../legal-commitment/legal-commitment';
import { recordPayment, releaseTranche, requestAdvance, validateTranche } from './tranche';

/**
 * A tranche is released once and paid once, whatever number of finance officers click at the same
 * time: every command goes through the command handler (load → decide → guarded write with the
 * expected version → decide again on a lost race), here on the shared FerretDB.
 */

const env = useTestEnvironment();
let awards: Awards;

beforeAll(async () => {
  // The service's awards slice and the copies it grants from, its port kept for the test (commands are called directly).
  const withPort: ServiceModule = { ...service, register: (context) => void (awards = registerAwards(context, registerCopies(context))) };
  await env.startService(withPort);
});

const command = async (awardId: string, decide: (award: AwardState) => AwardDecision) => {
  const handled = await awards.commands.handleExisting(awardId, decide);
  expect(handled?.decision.outcome, JSON.stringify(handled?.decision)).toBe('accepted');
  return handled!;
};

describe('concurrent releases and payments of one tranche', () => {
  it('given a validated advance, when 20 officers release it and 20 payments are recorded at once, then one release and one payment', async () => {
    const awardId = randomUUID();
    const publisher = await eventPublisher(env);
    await acceptDossier(env, publisher, awardId).finally(() => publisher.disconnect());
    await eventually(async () => expect(await awards.load(awardId)).not.toBeNull());

    const now = () => new Date();
    await command(awardId, (a) => declareStart(a, { startedOn: '2026-12-01', by: 'applicant-1' }, now()));
    await command(awardId, (a) => submitBankDetails(a, { iban: 'FR76 3000 6000 0112 3456 7890 189', bic: 'BNPAFRPPXXX', holder: 'Commune de Lyon', by: 'applicant-1' }, now()));
    await command(awardId, (a) => validateBankDetails(a, { bankDetailsId: a.pendingBankDetails!.bankDetailsId, by: 'finance-1' }, now()));
    await command(awardId, (a) => recordLegalCommitment(a, { number: LEGAL_COMMITMENT, by: 'finance-1' }, now()));
    await command(awardId, (a) => requestAdvance(a, { by: 'applicant-1' }, now()));
    const trancheId = (await awards.load(awardId))!.tranches[0]!.trancheId;
    await command(awardId, (a) => validateTranche(a, { trancheId, by: 'finance-1' }, now()));

    const officers = Array.from({ length: 20 }, (_, i) => `finance-${i + 2}`);
    const releases = await Promise.all(officers.map((by) => awards.commands.handleExisting(awardId, (a) => releaseTranche(a, { trancheId, by }, now()))));
    expect(releases.map((r) => r!.decision.outcome)).toEqual(officers.map(() => 'accepted'));
    expect(releases.filter((r) => r!.written)).toHaveLength(1);

    const payments = await Promise.all(
      officers.map((by, i) => awards.commands.handleExisting(awardId, (a) => recordPayment(a, { trancheId, paymentReference: `CHORUS-${i}`, paidOn: '2026-12-05', by }, now()))),
    );
    expect(payments.filter((p) => p!.written)).toHaveLength(1);
    expect(payments.filter((p) => !p!.written).map((p) => p!.decision)).toEqual(officers.slice(1).map(() => expect.objectContaining({ outcome: 'refused', violations: [expect.objectContaining({ name: 'paid-once' })] })));

    const award = (await awards.load(awardId))!;
    expect(award.tranches[0]).toMatchObject({ status: 'paid', amountCents: 600_000 });
    // Created, then eight commands written: start, bank details submitted and validated, legal commitment, advance asked, validated, released, paid.
    expect(award.version).toBe(9);

    await settledAward(env, awardId);
    const published = (await wholeTopic(env, eventTopicName(env.prefix, TrancheReleased.topic))).filter((m) => m.key === awardId);
    expect(published.filter((m) => m.headers.ce_type === TrancheReleased.type)).toHaveLength(1);
    expect(published.filter((m) => m.headers.ce_type === TranchePaid.type)).toHaveLength(1);
  });
});
