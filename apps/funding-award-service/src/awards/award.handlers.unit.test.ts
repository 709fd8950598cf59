import { describe, expect, it } from 'vitest';
import { decider } from '@aap/test-harness/decider-spec';
import { AwardGranted } from '@aap/contracts';
import { dossierCopyOf } from '../copies';
import { DOSSIER, NOW, publishedCall, submittedDossier } from '../award-fixtures';
import { grantAward, type AwardState, type GrantAward } from './award';
import { grantOf } from './award.handlers';

const accepted = { ...DOSSIER, number: 'AAP-2027-000042', at: '2026-11-20T09:00:00.000Z', grantCents: 2_000_000, stateRateBps: 5_000, eligibleCostCents: 4_000_000, requestedGrantCents: 2_000_000, motivation: 'Projet structurant' };
const copyOf = (dossierId: string) => ({ dossierId, ...dossierCopyOf(submittedDossier(dossierId, { callId: DOSSIER.callId })) });

describe('the grant of an accepted dossier, from the copies of the dossier and its call', () => {
  it('given a submitted dossier, when copied, then only the organisation, its name and kind, the project title and dates are kept', () => {
    expect(dossierCopyOf(submittedDossier('d-1'))).toEqual({
      callId: 'call-pass-numerique',
      organisationId: DOSSIER.organisationId,
      applicant: { name: 'Commune de Lyon', kind: 'commune' },
      project: { title: 'Pass numérique lyonnais', startDate: '2027-01-04', endDate: '2028-06-30' },
    });
  });

  it('given the acceptance, the dossier copy and the call, when granted, then the award names its beneficiary, project, call, budget line and takes the call’s schedule', () => {
    const call = publishedCall({ callId: DOSSIER.callId, paymentSchedule: { advanceBps: 1_500, interimCapBps: 6_000 } });
    decider<AwardState | null, GrantAward, [Date]>(grantAward)
      .given(null)
      .when(grantOf(accepted, copyOf('d-1'), call), NOW)
      .then({
        definition: AwardGranted,
        data: {
          beneficiaryKind: 'commune',
          beneficiary: { name: 'Commune de Lyon', kind: 'commune', organisationId: DOSSIER.organisationId },
          project: { title: 'Pass numérique lyonnais', startDate: '2027-01-04', endDate: '2028-06-30' },
          funding: { callTitle: 'Pass numérique 2027', programme: 'Pass numérique', budgetProgrammeLine: call.budgetProgrammeLine },
          schedule: { advanceBps: 1_500, interimCapBps: 6_000, startWithinMonths: 24, completionWithinMonths: 48 },
        },
      });
  });

  it('given a call without a budget programme line, when granted, then the funding has none', () => {
    const { budgetProgrammeLine: _line, ...call } = publishedCall({ callId: DOSSIER.callId });
    expect(grantOf(accepted, copyOf('d-1'), call).funding).toEqual({ callTitle: 'Pass numérique 2027', programme: 'Pass numérique' });
  });
});
