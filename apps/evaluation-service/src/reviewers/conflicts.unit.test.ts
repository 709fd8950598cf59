import { describe, expect, it } from 'vitest';
import type { ApplicantSnapshot } from '@aap/contracts';
import { conflictsOf, type ConflictSettings } from './conflicts';

const LYON_METROPOLE = '200046977';
const FAUCIGNY_GLIERES = '200000172';

const applicant = (overrides: Partial<ApplicantSnapshot> = {}): ApplicantSnapshot => ({
  organisationId: '12345678900012',
  name: 'Tiers-lieu de la Croix-Rousse',
  kind: 'association',
  territory: { communeCode: '69123', departements: ['69'], regions: ['84'] },
  contacts: [{ name: 'Camille', email: 'camille@example.org' }],
  ...overrides,
});
const reviewer = (overrides: { departement?: string; epciSiren?: string; organisationSiren?: string } = {}) => ({ reviewerId: 'rev-1', departement: '38', ...overrides });
const NONE: ConflictSettings = { excludeReviewersOfSameDepartement: false, excludeReviewersOfSameEpci: false };
const ALL: ConflictSettings = { excludeReviewersOfSameDepartement: true, excludeReviewersOfSameEpci: true };

describe('conflicts of interest', () => {
  it('given a reviewer of the applicant organisation (its SIRET starts with their SIREN), when checked, then they are excluded whatever the call says', () => {
    expect(conflictsOf(reviewer({ organisationSiren: '123456789' }), applicant(), NONE)).toEqual([
      { reviewerId: 'rev-1', rule: 'own-organisation', reason: "the applicant is the reviewer's own organisation (SIREN 123456789)" },
    ]);
  });

  it('given a reviewer of a member of the applicant groupement, when checked, then they are excluded as their own organisation', () => {
    const conflicts = conflictsOf(reviewer({ organisationSiren: '216901231' }), applicant({ groupementMemberSirens: ['216901231', '216902668'] }), NONE);
    expect(conflicts.map((c) => c.rule)).toEqual(['own-organisation']);
    expect(conflicts[0]!.reason).toContain('groupement');
  });

  it('given a reviewer of the applicant département, when the call excludes the same département, then they are excluded; otherwise not', () => {
    expect(conflictsOf(reviewer({ departement: '69' }), applicant(), { ...NONE, excludeReviewersOfSameDepartement: true }).map((c) => c.rule)).toEqual(['same-departement']);
    expect(conflictsOf(reviewer({ departement: '69' }), applicant(), NONE)).toEqual([]);
  });

  it('given an applicant spanning two départements (an EPCI), when a reviewer lives in either, then they are excluded', () => {
    const epci = applicant({ organisationId: '200035129', kind: 'epci', territory: { departements: ['07', '30'], regions: ['76', '84'] } });
    expect(conflictsOf(reviewer({ departement: '30' }), epci, ALL).map((c) => c.rule)).toEqual(['same-departement']);
  });

  it("given a reviewer of the Métropole de Lyon, when the applicant's commune is Lyon and the call excludes the same EPCI, then they are excluded", () => {
    const conflicts = conflictsOf(reviewer({ epciSiren: LYON_METROPOLE }), applicant(), { ...NONE, excludeReviewersOfSameEpci: true });
    expect(conflicts).toEqual([{ reviewerId: 'rev-1', rule: 'same-epci', reason: "the applicant's commune (69123) belongs to the reviewer's EPCI (SIREN 200046977)" }]);
  });

  it('given a reviewer of an EPCI, when the applicant IS that EPCI, then they are excluded', () => {
    const epci = applicant({ organisationId: FAUCIGNY_GLIERES, kind: 'epci', territory: { departements: ['74'], regions: ['84'] } });
    expect(conflictsOf(reviewer({ epciSiren: FAUCIGNY_GLIERES }), epci, { ...NONE, excludeReviewersOfSameEpci: true }).map((c) => c.rule)).toEqual(['same-epci']);
  });

  it('given a reviewer of another EPCI, or a call that does not exclude the same EPCI, when checked, then they may review', () => {
    expect(conflictsOf(reviewer({ epciSiren: FAUCIGNY_GLIERES }), applicant(), ALL)).toEqual([]);
    expect(conflictsOf(reviewer({ epciSiren: LYON_METROPOLE }), applicant(), NONE)).toEqual([]);
  });

  it('given a reviewer in conflict on several counts, when checked, then every conflict is listed with its reason', () => {
    const conflicts = conflictsOf(reviewer({ organisationSiren: '123456789', departement: '69', epciSiren: LYON_METROPOLE }), applicant(), ALL);
    expect(conflicts.map((c) => c.rule)).toEqual(['own-organisation', 'same-departement', 'same-epci']);
  });
});
