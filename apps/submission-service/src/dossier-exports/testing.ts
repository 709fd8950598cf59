import type { ApplicantKind, DossierStatus } from '@aap/contracts';

/** The shape of a stored dossier (as dossier.store.ts writes it), for tests and measures that insert dossiers straight into the database. */
export interface StoredDossierFixture {
  _id: string;
  number?: string;
  callId: string;
  waveId: string;
  organisationId: string;
  status: DossierStatus;
  [field: string]: unknown;
}

const KINDS: readonly ApplicantKind[] = ['commune', 'epci', 'association', 'scic', 'departement'];
const TERRITORIES = [
  { departements: ['69'], regions: ['84'], communeCode: '69123' },
  { departements: ['13'], regions: ['93'], communeCode: '13055' },
  { departements: ['2A'], regions: ['94'], communeCode: '2A004' },
  { departements: ['35', '22'], regions: ['53'] },
];
const STATUSES: readonly DossierStatus[] = ['submitted', 'under-review', 'complement-requested', 'accepted', 'rejected', 'waitlisted', 'draft', 'withdrawn'];
const LOREM = 'Médiation numérique itinérante, ateliers pour les habitants éloignés du numérique, permanences en mairie. ';

/**
 * Dossier `n` of a call, about 2.5 kB stored: statuses, waves, territories and kinds vary with `n`;
 * every part filled (project, budget with two other-funding lines, two attachments, a complement
 * request answered, a decision when decided, history). `overrides` replaces top-level fields. Receipt
 * numbers are unique across the collection: `AAP-<numberYear>-<n>`, so calls of one database take other years.
 */
export function storedDossier(callId: string, n: number, overrides: Partial<StoredDossierFixture> = {}, numberYear = 2026): StoredDossierFixture {
  const status = STATUSES[n % STATUSES.length]!;
  const territory = TERRITORIES[n % TERRITORIES.length]!;
  const kind = KINDS[n % KINDS.length]!;
  const organisationId = String(200_000_000 + n).padStart(9, '0');
  const at = new Date(Date.UTC(2026, 2, 1) + n * 60_000);
  const draft = status === 'draft';
  const decided = status === 'accepted' || status === 'rejected' || status === 'waitlisted';
  const uploaded = (documentType: string, sizeBytes: number) => ({
    attachmentId: `att-${n}-${documentType}`,
    documentType,
    fileName: `${documentType}-${n}.pdf`,
    contentType: 'application/pdf',
    sizeBytes,
    sha256: 'a'.repeat(64),
    storageId: `storage-${n}-${documentType}`,
    uploadedBy: `agent-${organisationId}`,
    uploadedAt: at,
  });
  return {
    _id: `dossier-${callId}-${n}`,
    ...(draft ? {} : { number: `AAP-${numberYear}-${String(n).padStart(6, '0')}`, submittedAt: at, contentHash: 'b'.repeat(64) }),
    callId,
    waveId: n % 3 === 0 ? 'wave-2' : 'wave-1',
    organisationId,
    status,
    project: {
      title: `Projet ${n} : inclusion numérique`,
      summary: LOREM.repeat(2),
      description: LOREM.repeat(12),
      startDate: '2026-06-01',
      endDate: '2027-05-31',
      beneficiaries: '50 % de personnes éloignées de l’emploi',
    },
    budget: {
      eligibleCostCents: 4_000_000 + n,
      requestedGrantCents: 2_000_000,
      otherFunding: [
        { kind: 'own-contribution', funder: 'Ville', amountCents: 1_500_000 + n },
        { kind: 'region', funder: 'Région', amountCents: 500_000 },
      ],
    },
    applicant: { organisationId, name: `Collectivité ${n}`, kind, territory, contacts: [] },
    attachments: [uploaded('deliberation', 120_000 + n), uploaded('budget-plan', 48_000)],
    complementRequests: [{ complementRequestId: `cr-${n}`, message: 'Merci de joindre la délibération signée', dueDate: '2026-04-01', requestedAt: at, answeredAt: at, answer: 'Jointe' }],
    ...(decided ? { decision: { kind: status, motivation: 'Projet conforme au cahier des charges', ...(status === 'accepted' ? { grantCents: 1_800_000 } : {}), at } } : {}),
    appliedEventIds: [`event-${n}-1`, `event-${n}-2`],
    history: [
      { status: 'draft', at, by: `agent-${organisationId}` },
      ...(draft ? [] : [{ status: 'submitted', at, by: `agent-${organisationId}` }]),
    ],
    createdBy: `agent-${organisationId}`,
    createdAt: at,
    updatedAt: at,
    version: 7,
    outbox: {},
    outboxPending: false,
    ...overrides,
  };
}
