/**
 * What the staff-list figures (issue 17) seed, generated deterministically (a fixed-seed PRNG) and
 * without I/O: applicant organisations of every kind, registered through the submission API as an
 * applicant would (`organisationRegistrations`), and the dossiers of a call inserted straight into
 * the submission database shaped as `dossiers/dossier.store.ts` writes them (`dossierDocuments`):
 * every status of the lifecycle (drafts included, each with a history the lifecycle allows), two or
 * three waves, the applicants' real départements and régions, amounts in cents, realistic answers
 * (some 2–3 kB of CSV per dossier), attachments' metadata, complement requests and decisions.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { DOSSIER_STATUSES, type ApplicantKind, type ApplicantSnapshot, type DossierStatus } from '@aap/contracts';
import { communeByCode, communeBySiren, epciBySiren } from '@aap/contracts/geography';
import { prng } from './prng';


type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const between = (random: Random, min: number, max: number) => min + Math.floor(random() * (max - min + 1));
const hex = (random: Random, length: number) => Array.from({ length }, () => Math.floor(random() * 16).toString(16)).join('');

/** The digit that completes `digits` into a number passing Luhn (SIREN, SIRET). */
export function luhnCheckDigit(digits: string): string {
  // The check digit will be the rightmost (not doubled): the others alternate doubled from its left neighbour.
  const sum = [...digits].reverse().reduce((total, char, index) => {
    const digit = Number(char);
    if (index % 2 === 1) return total + digit;
    const doubled = digit * 2;
    return total + (doubled > 9 ? doubled - 9 : doubled);
  }, 0);
  return String((10 - (sum % 10)) % 10);
}

// ── Organisations ───────────────────────────────────────────────────────────────────────────────

/** The body of `POST /organisations` (see organisations/registration.ts), and the id it registers. */
export interface OrganisationRegistration {
  organisationId: string;
  kind: ApplicantKind;
  body: Record<string, unknown>;
}

/** Kinds in turn: collectivités (mostly communes and EPCI), then tiers-lieux: every kind among the first twelve. */
const KIND_CYCLE: readonly ApplicantKind[] = ['commune', 'epci', 'association', 'commune', 'metropole', 'departement', 'scic', 'commune', 'region', 'syndicat-mixte', 'company', 'other'];
/** Real commune INSEE codes spread over the country (mainland and overseas), the tiers-lieux's addresses and the départements' picks. */
const PLACES = ['69123', '13055', '31555', '33063', '59350', '67482', '35238', '44109', '34172', '06088', '42218', '63113', '21231', '25056', '29019', '64445', '2A004', '97411', '97105', '87085', '45234', '80021', '57463', '74010', '38185'];
const NAMES = ['Le Tiers-Lieu des Écluses', 'La Fabrique numérique', 'Coopérative Émergences', 'Atelier Médiation & Territoires', 'Les Ateliers du Lien', 'Numérique Solidaire Océan', 'La Ruche des Pyrénées', 'Espace Cœur de Bourg'];
const LEGAL_FORMS: Partial<Record<ApplicantKind, string>> = { association: 'Association déclarée', scic: 'SCIC SAS', company: 'SAS', other: 'Fondation reconnue d’utilité publique' };
const CONTACT_NAMES = ['Camille Martin', 'Élodie Bernard', 'Léa Dubois', 'Hugo Lefèvre', 'Chloé Moreau', 'Théo Garnier', 'Inès Faure', 'Zoé Girard'];

/** A SIREN that passes Luhn and is no commune's or EPCI's (départements, régions, syndicats, tiers-lieux have their own). */
function syntheticSiren(prefix: string, index: number): string {
  for (let n = index * 7; ; n++) {
    const siren = `${prefix}${String(n).padStart(8 - prefix.length, '0')}`.slice(0, 8);
    const full = siren + luhnCheckDigit(siren);
    if (!communeBySiren(full) && !epciBySiren(full)) return full;
  }
}

/** What the registrations pick from: identifiers and codes of the official geography. */
export interface GeographyLists {
  communeSirens: readonly string[];
  epciSirens: readonly string[];
  metropoleSirens: readonly string[];
  departements: readonly string[];
  regions: readonly string[];
}

/** The lists of @etalab/decoupage-administratif (the data the submission service registers from). */
export function geographyLists(): GeographyLists {
  const require = createRequire(import.meta.url);
  const read = <T>(file: string) => JSON.parse(readFileSync(require.resolve(`@etalab/decoupage-administratif/data/${file}`), 'utf8')) as T[];
  const communes = read<{ type: string; siren?: string }>('communes.json').filter((c) => c.type === 'commune-actuelle' && c.siren);
  const epcis = read<{ code: string; type: string }>('epci.json');
  return {
    communeSirens: communes.map((c) => c.siren!),
    epciSirens: epcis.filter((e) => !e.type.startsWith('MET')).map((e) => e.code),
    metropoleSirens: epcis.filter((e) => e.type.startsWith('MET')).map((e) => e.code),
    departements: read<{ code: string }>('departements.json').map((d) => d.code),
    regions: read<{ code: string }>('regions.json').map((r) => r.code),
  };
}

/** `count` registrations, every applicant kind among them (when count ≥ 12), each a real place of the official geography. */
export function organisationRegistrations(count: number, geography: GeographyLists): OrganisationRegistration[] {
  const contacts = (i: number) => [{ name: CONTACT_NAMES[i % CONTACT_NAMES.length]!, email: `contact-${i}@bench.example.fr` }];
  const seen = new Set<string>();
  const byKind = new Map<ApplicantKind, number>();
  const result: OrganisationRegistration[] = [];
  for (let i = 0; result.length < count; i++) {
    const kind = KIND_CYCLE[i % KIND_CYCLE.length]!;
    const n = byKind.get(kind) ?? 0;
    byKind.set(kind, n + 1);
    const nth = <T>(items: readonly T[]) => items[(n * 37) % items.length]!;
    let registration: OrganisationRegistration;
    switch (kind) {
      case 'commune':
      case 'epci':
      case 'metropole': {
        const siren = nth(kind === 'commune' ? geography.communeSirens : kind === 'epci' ? geography.epciSirens : geography.metropoleSirens);
        registration = { organisationId: siren, kind, body: { kind, siren, contacts: contacts(i) } };
        break;
      }
      case 'departement':
      case 'syndicat-mixte': {
        const siren = syntheticSiren(kind === 'departement' ? '22' : '25', i);
        const departementCode = nth(geography.departements);
        registration = { organisationId: siren, kind, body: { kind, siren, departementCode, ...(kind === 'syndicat-mixte' ? { name: `Syndicat mixte numérique ${departementCode}` } : {}), contacts: contacts(i) } };
        break;
      }
      case 'region': {
        const siren = syntheticSiren('23', i);
        registration = { organisationId: siren, kind, body: { kind, siren, regionCode: nth(geography.regions), contacts: contacts(i) } };
        break;
      }
      default: {
        const siren = syntheticSiren(kind === 'company' ? '81' : '79', i);
        const withNic = `${siren}${String(10 + n).padStart(4, '0')}`;
        const siret = withNic + luhnCheckDigit(withNic);
        registration = {
          organisationId: siret,
          kind,
          body: { kind, siret, name: `${NAMES[i % NAMES.length]} ${n + 1}`, legalForm: LEGAL_FORMS[kind]!, communeCode: PLACES[i % PLACES.length]!, contacts: contacts(i) },
        };
      }
    }
    if (seen.has(registration.organisationId)) continue;
    seen.add(registration.organisationId);
    result.push(registration);
  }
  return result;
}

/** Whether every commune code the tiers-lieux use is one of the geography (a guard for PLACES). */
export const placesAreCommunes = () => PLACES.every((code) => communeByCode(code) !== undefined);

// ── Dossiers ────────────────────────────────────────────────────────────────────────────────────

export interface BenchWave {
  waveId: string;
  label: string;
  opensAt: string;
  closesAt: string;
}

const DAY = 86_400_000;

/** Three waves: two closed (decisions taken), the last one open now (drafts still in it). */
export function benchWaves(now: Date): BenchWave[] {
  const at = (days: number) => new Date(now.getTime() + days * DAY).toISOString();
  return [
    { waveId: 'vague-1', label: 'Vague 1', opensAt: at(-150), closesAt: at(-120) },
    { waveId: 'vague-2', label: 'Vague 2', opensAt: at(-90), closesAt: at(-60) },
    { waveId: 'vague-3', label: 'Vague 3', opensAt: at(-30), closesAt: at(30) },
  ];
}

/** How often each status appears (per 100 dossiers). */
const STATUS_WEIGHTS: Record<DossierStatus, number> = {
  draft: 14,
  submitted: 14,
  'under-review': 18,
  'complement-requested': 8,
  accepted: 14,
  rejected: 12,
  waitlisted: 6,
  'closed-without-follow-up': 6,
  withdrawn: 8,
};
/** The lifecycle's path to each status (DOSSIER_TRANSITIONS), after `draft`. */
const PATHS: Record<DossierStatus, DossierStatus[]> = {
  draft: [],
  submitted: ['submitted'],
  'under-review': ['submitted', 'under-review'],
  'complement-requested': ['submitted', 'under-review', 'complement-requested'],
  accepted: ['submitted', 'under-review', 'accepted'],
  rejected: ['submitted', 'under-review', 'rejected'],
  waitlisted: ['submitted', 'under-review', 'waitlisted'],
  'closed-without-follow-up': ['submitted', 'closed-without-follow-up'],
  withdrawn: ['submitted', 'under-review', 'withdrawn'],
};
const DECIDED: readonly DossierStatus[] = ['accepted', 'rejected', 'waitlisted', 'closed-without-follow-up'];

const PROJECT_KINDS = ['Tiers-lieu numérique', 'Médiation numérique itinérante', 'Pass numérique', 'France services connectée', 'Fab lab solidaire', 'Conseillers numériques mutualisés', 'Atelier de réparation d’ordinateurs', 'Espace public numérique'];
const SENTENCES = [
  'Le projet s’adresse en priorité aux personnes éloignées de l’emploi et aux séniors isolés du territoire.',
  'Des ateliers hebdomadaires d’initiation aux démarches en ligne sont animés par deux médiateurs numériques formés.',
  'La collectivité met à disposition un local accessible aux personnes à mobilité réduite, ouvert six jours sur sept.',
  'Un bus numérique dessert les communes rurales les plus éloignées des services publics, selon un calendrier publié.',
  'Les pass numériques sont distribués par les CCAS, les missions locales et les maisons France services partenaires.',
  'Un comité de suivi réunit chaque trimestre les partenaires pour mesurer l’usage des pass et ajuster l’offre.',
  'Le reconditionnement d’ordinateurs issus des administrations permet d’équiper les ménages les plus modestes.',
  'L’évaluation s’appuie sur des indicateurs partagés : nombre de personnes accompagnées, autonomie acquise, satisfaction.',
  'Le projet mobilise les associations de quartier et les bibliothèques pour toucher les publics qui ne viennent pas d’eux-mêmes.',
  'Une permanence téléphonique complète l’accueil physique pour les personnes qui ne peuvent pas se déplacer.',
];
const FUNDERS = [
  { kind: 'region', funder: 'Conseil régional' },
  { kind: 'departement', funder: 'Conseil départemental' },
  { kind: 'commune-or-epci', funder: 'Communauté de communes' },
  { kind: 'european-union', funder: 'FEDER' },
  { kind: 'private', funder: 'Fondation Orange' },
  { kind: 'other-public', funder: 'Caisse des dépôts — Banque des territoires' },
] as const;
const DOCUMENTS = [
  { documentType: 'deliberation', fileName: 'deliberation-conseil.pdf' },
  { documentType: 'budget-plan', fileName: 'plan-de-financement.pdf' },
  { documentType: 'annexe', fileName: 'lettres-de-soutien.pdf' },
];

export interface GeneratedCall {
  documents: Array<Record<string, unknown> & { _id: string; status: DossierStatus }>;
  /** The highest receipt sequence used per year: the year's counter must be at least this. */
  counters: Record<string, number>;
}

/**
 * `count` dossiers of `callId` over `waves`, applicants in turn from `applicants` (each a snapshot as
 * the organisation was registered), receipt numbers from `firstSequence` on, as dossier.store.ts
 * stores them (dates as Date, amounts in cents, no pending outbox). Deterministic for a given `seed`.
 */
export function dossierDocuments(options: { callId: string; waves: readonly BenchWave[]; applicants: readonly ApplicantSnapshot[]; count: number; firstSequence: number; seed: number; now: Date }): GeneratedCall {
  const { callId, waves, applicants, count, now } = options;
  const random = prng(options.seed);
  const statuses = DOSSIER_STATUSES.flatMap((status) => Array.from({ length: STATUS_WEIGHTS[status] }, () => status));
  const openWaves = waves.filter((w) => new Date(w.closesAt) > now);
  const closedWaves = waves.filter((w) => new Date(w.closesAt) <= now);
  const counters: Record<string, number> = {};
  let sequence = options.firstSequence;
  const documents: GeneratedCall['documents'] = [];
  for (let i = 0; i < count; i++) {
    // Every status appears among the first nine; then by weight.
    const status = i < DOSSIER_STATUSES.length ? DOSSIER_STATUSES[i]! : pick(random, statuses);
    const wave = pick(random, status === 'draft' || closedWaves.length === 0 ? openWaves : DECIDED.includes(status) ? closedWaves : waves);
    const applicant = applicants[i % applicants.length]!;
    const dossierId = `${callId}-d${String(i).padStart(6, '0')}-${hex(random, 8)}`;
    const opens = new Date(wave.opensAt).getTime();
    const lastDay = Math.min(new Date(wave.closesAt).getTime(), now.getTime()) - DAY;
    const createdAt = new Date(opens + random() * Math.max(DAY, lastDay - opens - 5 * DAY));
    const by = `applicant-${applicant.organisationId}`;
    const history: Array<Record<string, unknown>> = [{ status: 'draft', at: createdAt, by }];
    const project = projectOf(random, applicant, status === 'draft' ? between(random, 0, 2) : 2);
    const budget = status === 'draft' && random() < 0.4 ? {} : budgetOf(random, applicant.kind);
    const attachments = (status === 'draft' ? DOCUMENTS.slice(0, between(random, 0, 2)) : DOCUMENTS.slice(0, between(random, 2, 3))).map((doc, n) => ({
      attachmentId: `${dossierId}-a${n}`,
      ...doc,
      contentType: 'application/pdf',
      sizeBytes: between(random, 40_000, 4_000_000),
      sha256: hex(random, 64),
      storageId: hex(random, 24),
      uploadedBy: by,
      uploadedAt: new Date(createdAt.getTime() + (n + 1) * 3_600_000),
    }));
    const appliedEventIds: string[] = [];
    const complementRequests: Array<Record<string, unknown>> = [];
    let at = createdAt.getTime() + 2 * DAY;
    let decision: Record<string, unknown> | undefined;
    for (const step of PATHS[status]) {
      at += between(random, 1, 10) * DAY * (step === 'submitted' ? 0.5 : 1);
      const when = new Date(Math.min(at, now.getTime() - 60_000));
      const fromEvaluation = step !== 'submitted' && step !== 'withdrawn';
      const eventId = fromEvaluation ? `${hex(random, 8)}-${hex(random, 4)}-4${hex(random, 3)}-a${hex(random, 3)}-${hex(random, 12)}` : undefined;
      if (eventId) appliedEventIds.push(eventId);
      history.push({ status: step, at: when, by: fromEvaluation ? 'evaluation' : by, ...(eventId ? { eventId } : {}), ...(step === 'withdrawn' ? { note: 'Projet reporté à l’an prochain' } : {}) });
      if (step === 'complement-requested') {
        complementRequests.push({ complementRequestId: `${dossierId}-c1`, message: 'Merci de joindre la délibération signée et le détail des cofinancements.', dueDate: new Date(when.getTime() + 15 * DAY).toISOString().slice(0, 10), requestedAt: when });
      }
      if (DECIDED.includes(step)) {
        const requested = (budget as { requestedGrantCents?: number }).requestedGrantCents ?? 0;
        decision = { kind: step, motivation: step === 'accepted' ? 'Projet solide, bien ancré dans le territoire.' : 'Le projet ne répond pas assez aux critères de la grille.', ...(step === 'accepted' ? { grantCents: Math.round((requested * between(random, 70, 100)) / 100 / 100) * 100 } : {}), at: when };
      }
    }
    const submitted = status !== 'draft';
    const submittedAt = submitted ? (history[1]!.at as Date) : undefined;
    const updatedAt = history.at(-1)!.at as Date;
    let number: string | undefined;
    if (submittedAt) {
      const year = String(submittedAt.getUTCFullYear());
      number = `AAP-${year}-${String(sequence).padStart(6, '0')}`;
      counters[year] = Math.max(counters[year] ?? 0, sequence);
      sequence++;
    }
    documents.push({
      _id: dossierId,
      ...(number ? { number } : {}),
      callId,
      waveId: wave.waveId,
      organisationId: applicant.organisationId,
      status,
      project,
      budget,
      applicant,
      attachments,
      ...(submittedAt ? { submittedAt, contentHash: hex(random, 64) } : {}),
      complementRequests,
      ...(decision ? { decision } : {}),
      appliedEventIds,
      history,
      createdBy: by,
      createdAt,
      updatedAt,
      version: history.length + attachments.length + (Object.keys(budget).length ? 1 : 0),
      outbox: {},
      outboxPending: false,
    });
  }
  return { documents, counters };
}

/** Parts of a project: 0 none yet (a fresh draft), 1 title and summary, 2 everything. */
function projectOf(random: Random, applicant: ApplicantSnapshot, parts: number): Record<string, string> {
  if (parts === 0) return {};
  const place = applicant.name.replace(/^(Commune de |Mairie de )/, '');
  const title = `${pick(random, PROJECT_KINDS)} — ${place}`.slice(0, 200);
  const summary = `${pick(random, SENTENCES)} ${pick(random, SENTENCES)}`;
  if (parts === 1) return { title, summary };
  const description = Array.from({ length: between(random, 6, 10) }, () => pick(random, SENTENCES)).join(' ');
  const year = 2027;
  return {
    title,
    summary,
    description,
    startDate: `${year}-0${between(random, 1, 6)}-01`,
    endDate: `${year + 1}-${String(between(random, 1, 12)).padStart(2, '0')}-28`,
    beneficiaries: `${between(random, 50, 80)} % des pass pour des personnes éloignées de l’emploi ; ${between(random, 200, 5_000)} bénéficiaires attendus.`,
  };
}

/** A budget plan in cents: the State's share at most half, the applicant's own contribution at least a fifth, the rest from 0–2 other funders. */
function budgetOf(random: Random, kind: ApplicantKind) {
  const eligibleCostCents = between(random, 20, 3_000) * 1_000_00;
  const requestedGrantCents = Math.round((eligibleCostCents * between(random, 20, 50)) / 100 / 100) * 100;
  const own = Math.round((eligibleCostCents * between(random, 20, 40)) / 100 / 100) * 100;
  const rest = eligibleCostCents - requestedGrantCents - own;
  const others = rest > 0 ? Array.from({ length: between(random, 0, 2) }, () => pick(random, FUNDERS)) : [];
  const otherFunding: Array<{ kind: string; funder: string; amountCents: number }> = [{ kind: 'own-contribution', funder: kind === 'commune' ? 'La commune' : 'Fonds propres', amountCents: own + (others.length === 0 ? rest : 0) }];
  others.forEach((funder, n) => {
    const share = n === others.length - 1 ? rest - Math.floor(rest / others.length) * (others.length - 1) : Math.floor(rest / others.length);
    otherFunding.push({ ...funder, amountCents: share });
  });
  return { eligibleCostCents, requestedGrantCents, otherFunding };
}

/**
 * Drafts that pass every rule of the bench's call (project, budget, the two required documents),
 * for the pipeline figure's submits: stored as a complete draft is, by collectivités.
 */
export function readyDrafts(options: { callId: string; waveId: string; applicants: readonly ApplicantSnapshot[]; count: number; now: Date; prefix: string }) {
  const { callId, waveId, applicants, now } = options;
  return Array.from({ length: options.count }, (_, i) => {
    const applicant = applicants[i % applicants.length]!;
    const dossierId = `${options.prefix}-${String(i).padStart(6, '0')}`;
    const by = `applicant-${applicant.organisationId}`;
    const createdAt = new Date(now.getTime() - 3_600_000);
    return {
      _id: dossierId,
      callId,
      waveId,
      organisationId: applicant.organisationId,
      status: 'draft' as const,
      project: { title: `Pass numérique — ${applicant.name}`, summary: SENTENCES[0]!, description: SENTENCES.slice(1, 6).join(' '), startDate: '2027-01-01', endDate: '2027-12-31' },
      budget: { eligibleCostCents: 4_000_000, requestedGrantCents: 2_000_000, otherFunding: [{ kind: 'own-contribution', funder: 'La commune', amountCents: 2_000_000 }] },
      applicant,
      attachments: DOCUMENTS.slice(0, 2).map((doc, n) => ({ attachmentId: `${dossierId}-a${n}`, ...doc, contentType: 'application/pdf', sizeBytes: 120_000, sha256: '0'.repeat(63) + String(n), storageId: `bench-${dossierId}-${n}`, uploadedBy: by, uploadedAt: createdAt })),
      complementRequests: [],
      appliedEventIds: [],
      history: [{ status: 'draft', at: createdAt, by }],
      createdBy: by,
      createdAt,
      updatedAt: createdAt,
      version: 5,
      outbox: {},
      outboxPending: false,
    };
  });
}

