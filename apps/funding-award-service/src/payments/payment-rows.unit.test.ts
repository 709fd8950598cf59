import { describe, expect, it } from 'vitest';
import { decider } from '@aap/test-harness/decider-spec';
import type { AwardState } from '../awards/award';
import { awardWithPaidAdvance } from '../award-fixtures';
import { eurosOf, factsOfAward, mergePayment, type PaymentFacts, type PaymentRow } from './payment-rows';
import { paymentsCsv } from './payments.export';

const award: AwardState = {
  ...awardWithPaidAdvance(),
  beneficiary: { name: 'Commune de Lyon', kind: 'commune', organisationId: '216901231' },
  funding: { callTitle: 'Pass numérique', programme: 'Inclusion numérique', budgetProgrammeLine: '0112-02-01' },
  legalCommitment: { number: '2103456789', recordedBy: 'finance-1', recordedAt: '2027-01-20T10:00:00.000Z' },
};
const TRANCHE = 'award-d-1-T1';
const released: PaymentFacts = { trancheId: TRANCHE, kind: 'advance', bankDetailsId: 'award-d-1-B1', iban: 'FR76 **** 0189' };
const paidFacts: PaymentFacts = { trancheId: TRANCHE, kind: 'advance', amountCents: 600_000, paymentReference: 'PAY-award-d-1-T1', paidOn: '2027-02-01' };
const stateOf = (decision: ReturnType<typeof mergePayment>) => (decision.outcome === 'accepted' ? decision.state : null);

describe('a payment row', () => {
  const spec = decider((row: PaymentRow | null, facts: PaymentFacts) => mergePayment(row, award, facts));

  it('given nothing, when the tranche is released, then a released row with the masked IBAN and the award’s accounting fields', () => {
    spec.given(null).when(released).thenState({ status: 'released', iban: 'FR76 **** 0189', bankDetailsId: 'award-d-1-B1', legalCommitment: '2103456789', budgetProgrammeLine: '0112-02-01', beneficiaryName: 'Commune de Lyon', organisationId: '216901231', amountCents: null });
  });

  it('given a released row, when it is paid, then the row is paid with amount, reference and date, its bank details kept', () => {
    spec.given(stateOf(mergePayment(null, award, released))).when(paidFacts).thenState({ status: 'paid', amountCents: 600_000, paymentReference: 'PAY-award-d-1-T1', paidOn: '2027-02-01', iban: 'FR76 **** 0189' });
  });

  it('given a paid row, when the release comes late or the payment again, then nothing happens', () => {
    const row = stateOf(mergePayment(stateOf(mergePayment(null, award, paidFacts)), award, released))!;
    expect(row).toMatchObject({ status: 'paid', iban: 'FR76 **** 0189', amountCents: 600_000 });
    spec.given(row).when(released).thenNothingHappens();
    spec.given(row).when(paidFacts).thenNothingHappens();
  });

  it('takes the award’s tranche as stored: paid with its reference, released to the bank details still current (masked)', () => {
    expect(factsOfAward(award, TRANCHE)).toEqual({ ...paidFacts, bankDetailsId: 'award-d-1-B1', iban: 'FR76 **** 0189' });
    expect(factsOfAward(award, 'other')).toBeNull();
  });
});

describe('the payments CSV', () => {
  it('writes euros with two decimals and the French decimal mark, exactly', () => {
    expect([eurosOf(600_000), eurosOf(5), eurosOf(123_456_789), eurosOf(-1_050), eurosOf(1_999)]).toEqual(['6000,00', '0,05', '1234567,89', '-10,50', '19,99']);
  });

  it('is UTF-8 with a BOM, `;`-separated, one line per payment, and neutralises a text cell that starts a formula', () => {
    const row = { ...stateOf(mergePayment(stateOf(mergePayment(null, award, released)), award, paidFacts))!, beneficiaryName: '=HYPERLINK("http://x")', paymentReference: '+PAY-1' };
    const csv = paymentsCsv([row]);
    expect(csv.startsWith('\uFEFF')).toBe(true);
    const [header, line, end] = csv.slice(1).split('\r\n');
    expect(header).toBe('Engagement juridique;Ligne budgétaire (programme);SIRET bénéficiaire;Bénéficiaire;IBAN (masqué);Coordonnées bancaires (réf.);Montant (€);Tranche;Référence du paiement;Date de paiement;Dossier;Tranche (id)');
    expect(line).toBe(`2103456789;0112-02-01;216901231;"'=HYPERLINK(""http://x"")";FR76 **** 0189;award-d-1-B1;6000,00;avance;'+PAY-1;2027-02-01;AAP-2027-000001;award-d-1-T1`);
    expect(end).toBe('');
  });
});
