import { describe, expect, it } from 'vitest';
import { APPLICANT_KINDS, DOSSIER_STATUSES, dossierSnapshot, evolve, type ApplicantSnapshot, type DossierStatus } from '@aap/contracts';
import { isValidSiren, isValidSiret } from '../../apps/submission-service/src/organisations/identifiers';
import { registrationInput, resolveRegistration } from '../../apps/submission-service/src/organisations/registration';
import { benchWaves, dossierDocuments, geographyLists, luhnCheckDigit, organisationRegistrations, placesAreCommunes, readyDrafts } from './dossier-generator';
import { listQueries, PAGE_SIZE, searchQueries } from './staff-queries';

const now = new Date('2026-12-07T12:00:00Z');
const registrations = organisationRegistrations(24, geographyLists());
/** The applicants as the submission service registers them (the same pure resolution its route runs). */
const applicants: ApplicantSnapshot[] = registrations.map((r) => {
  const outcome = resolveRegistration(registrationInput.parse(r.body));
  if (!outcome.organisation) throw new Error(`${r.organisationId}: ${JSON.stringify(outcome.violations)}`);
  const { siren: _siren, siret: _siret, legalForm: _legalForm, rna: _rna, ...snapshot } = outcome.organisation;
  return snapshot;
});

describe('organisations', () => {
  it('luhnCheckDigit completes a SIREN and a SIRET', () => {
    expect(luhnCheckDigit('21690123')).toBe('1'); // Lyon: 216901231
    expect(isValidSiren(`73282932${luhnCheckDigit('73282932')}`)).toBe(true);
    expect(isValidSiret(`7328293200001${luhnCheckDigit('7328293200001')}`)).toBe(true);
  });

  it('every applicant kind, distinct ids, each registration accepted by the service’s own rules', () => {
    expect(new Set(registrations.map((r) => r.kind))).toEqual(new Set(APPLICANT_KINDS));
    expect(new Set(registrations.map((r) => r.organisationId)).size).toBe(registrations.length);
    expect(applicants.map((a) => a.kind)).toEqual(registrations.map((r) => r.kind));
    expect(placesAreCommunes()).toBe(true);
  });
});

describe('dossiers of a call', () => {
  const waves = benchWaves(now);
  const { documents, counters } = dossierDocuments({ callId: 'call-1', waves, applicants, count: 600, firstSequence: 101, seed: 7, now });

  it('is deterministic for a seed', () => {
    const again = dossierDocuments({ callId: 'call-1', waves, applicants, count: 50, firstSequence: 101, seed: 7, now });
    expect(again.documents).toEqual(documents.slice(0, 50));
  });

  it('every status, wave, applicant kind; many départements and régions', () => {
    expect(new Set(documents.map((d) => d.status))).toEqual(new Set(DOSSIER_STATUSES));
    expect(new Set(documents.map((d) => d.waveId))).toEqual(new Set(waves.map((w) => w.waveId)));
    expect(new Set(documents.map((d) => (d.applicant as ApplicantSnapshot).kind))).toEqual(new Set(APPLICANT_KINDS));
    expect(new Set(documents.flatMap((d) => (d.applicant as ApplicantSnapshot).territory.departements)).size).toBeGreaterThan(10);
    expect(new Set(documents.flatMap((d) => (d.applicant as ApplicantSnapshot).territory.regions)).size).toBeGreaterThan(5);
  });

  it('a history the lifecycle allows, ending in the status; drafts in the open wave without a number', () => {
    for (const document of documents) {
      const history = document.history as Array<{ status: DossierStatus; at: Date }>;
      expect(history[0]!.status).toBe('draft');
      for (let i = 1; i < history.length; i++) {
        const fact = history[i]!.status === 'under-review' && history[i - 1]!.status === 'submitted' ? 'review-started' : history[i]!.status;
        expect(evolve(history[i - 1]!.status, fact as never)).toEqual({ status: history[i]!.status });
        expect(history[i]!.at.getTime()).toBeGreaterThanOrEqual(history[i - 1]!.at.getTime());
      }
      expect(history.at(-1)!.status).toBe(document.status);
      if (document.status === 'draft') {
        expect(document.number).toBeUndefined();
        expect(document.waveId).toBe('vague-3');
      }
    }
  });

  it('unique receipt numbers from the first sequence; the counters cover them', () => {
    const numbers = documents.flatMap((d) => (d.number ? [d.number as string] : []));
    expect(new Set(numbers).size).toBe(numbers.length);
    const highest = Math.max(...numbers.map((n) => Number(n.slice(-6))));
    expect(Math.max(...Object.values(counters))).toBe(highest);
    expect(Math.min(...numbers.map((n) => Number(n.slice(-6))))).toBe(101);
  });

  it('submitted dossiers carry the whole answer the contract requires; amounts add up', () => {
    for (const document of documents.filter((d) => d.status !== 'draft')) {
      const parsed = dossierSnapshot.safeParse({ ...document, dossierId: document._id, submittedAt: (document.submittedAt as Date).toISOString() });
      expect(parsed.error).toBeUndefined();
      const budget = document.budget as { eligibleCostCents: number; requestedGrantCents: number; otherFunding: Array<{ amountCents: number }> };
      expect(budget.requestedGrantCents + budget.otherFunding.reduce((sum, f) => sum + f.amountCents, 0)).toBe(budget.eligibleCostCents);
      if (document.status === 'accepted') expect((document.decision as { grantCents: number }).grantCents).toBeLessThanOrEqual(budget.requestedGrantCents);
    }
  });

  it('some 2–3 kB of answers per submitted dossier', () => {
    const submitted = documents.filter((d) => d.status !== 'draft');
    const bytes = submitted.reduce((sum, d) => sum + Buffer.byteLength(JSON.stringify(d)), 0) / submitted.length;
    expect(bytes).toBeGreaterThan(2_000);
    expect(bytes).toBeLessThan(5_000);
  });
});

it('readyDrafts: complete drafts, every rule-relevant part present', () => {
  const drafts = readyDrafts({ callId: 'call-2', waveId: 'vague-1', applicants, count: 3, now, prefix: 'ready' });
  expect(drafts.map((d) => d._id)).toEqual(['ready-000000', 'ready-000001', 'ready-000002']);
  expect(drafts[0]!.attachments.map((a) => a.documentType)).toEqual(['deliberation', 'budget-plan']);
});

describe('the staff figures’ requests', () => {
  const { documents } = dossierDocuments({ callId: 'call-3', waves: benchWaves(now), applicants, count: 1_000, firstSequence: 1, seed: 3, now });

  it('list queries: every status, filters that select dossiers, pages they have', () => {
    const queries = listQueries(documents);
    expect(queries).toHaveLength(60);
    expect(new Set(queries.map((q) => q.status))).toEqual(new Set(DOSSIER_STATUSES));
    for (const query of queries) {
      const selected = documents.filter((d) => d.status === query.status && (d.applicant as ApplicantSnapshot).territory.departements.includes(query.departement));
      expect(selected.length).toBeGreaterThan((query.page - 1) * PAGE_SIZE);
    }
  });

  it('search queries: numbers, SIRENs and name prefixes of the call, each matching a dossier', () => {
    const queries = searchQueries(documents);
    expect(queries.filter((q) => q.by === 'number')).toHaveLength(10);
    for (const { by, q } of queries) {
      const fold = (text: string) => text.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase();
      const matches = documents.filter((d) =>
        by === 'number' ? d.number === q : by === 'siren' ? (d.organisationId as string).startsWith(q) : fold((d.applicant as ApplicantSnapshot).name).split(/[^\p{L}\p{N}]+/u).some((w) => w.startsWith(fold(q))),
      );
      expect(matches.length, `${by} ${q}`).toBeGreaterThan(0);
    }
  });
});
