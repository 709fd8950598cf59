import { z } from 'zod';
import { defineEvent } from '../catalogue';
import { APPLICANT_KINDS, applicantKind, basisPoints, cents, isoDateTime } from '../vocabulary';

/** A submission window of a call; each wave has its own committee. */
export const wave = z.object({
  waveId: z.string().min(1).max(100),
  label: z.string().min(1).max(200),
  opensAt: isoDateTime,
  /** Explicit instant with its offset (e.g. 2026-03-31T23:59:59+02:00, Europe/Paris). */
  closesAt: isoDateTime,
  maxWinners: z.number().int().positive().optional(),
});

export const scoringCriterion = z.object({
  criterionId: z.string().min(1).max(100),
  label: z.string().min(1).max(500),
  weight: z.number().int().positive(),
  maxScore: z.number().int().positive(),
  /** A dossier whose reviewers' mean score on this criterion is below this (0..maxScore) is eliminated. */
  passThreshold: z.number().int().min(0).optional(),
});

/** A line of the admissibility checklist a programme manager ticks for each submitted dossier. */
export const admissibilityCheck = z.object({
  checkId: z.string().min(1).max(100).regex(/^[a-z0-9-]+$/),
  label: z.string().min(1).max(500),
});

/** Which score ranks the dossiers: the raw mean, or the mean corrected for lenient and harsh reviewers. */
export const RANKING_SCORES = ['normalised', 'raw'] as const;

/**
 * How a call is evaluated. Every field is optional (calls written before it keep working); the
 * evaluation service reads them through `evaluationSettingsOf`, which gives the defaults.
 */
export const evaluationSettings = z.object({
  admissibilityChecklist: z.array(admissibilityCheck).max(30).optional(),
  /** Conflicts of interest beyond the reviewer's own organisation (always excluded). */
  excludeReviewersOfSameDepartement: z.boolean().optional(),
  excludeReviewersOfSameEpci: z.boolean().optional(),
  /** Days a reviewer has to score an assigned dossier, and the reminder before that deadline. */
  reviewDays: z.number().int().min(1).max(180).optional(),
  reviewReminderDaysBefore: z.number().int().min(0).max(60).optional(),
  /** Reviewers disagree when their weighted scores (0–100) differ by more than this share of the range. */
  disagreementShareBps: z.number().int().min(1).max(10_000).optional(),
  rankBy: z.enum(RANKING_SCORES).optional(),
});
export type EvaluationSettings = Required<z.infer<typeof evaluationSettings>>;

export const EVALUATION_DEFAULTS: EvaluationSettings = {
  admissibilityChecklist: [],
  excludeReviewersOfSameDepartement: false,
  excludeReviewersOfSameEpci: false,
  reviewDays: 21,
  reviewReminderDaysBefore: 3,
  disagreementShareBps: 2_500,
  rankBy: 'normalised',
};

/** A call's evaluation settings, the defaults filled in. */
export const evaluationSettingsOf = (rules: Pick<CallRules, 'evaluation'>): EvaluationSettings => ({ ...EVALUATION_DEFAULTS, ...stripUndefined(rules.evaluation ?? {}) });
const stripUndefined = <T extends object>(value: T): Partial<T> => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;

/** Everything a call configures, as set by its programme manager. */
export const callRules = z.object({
  title: z.string().min(3).max(200),
  programme: z.string().min(2).max(120),
  /**
   * The State budget programme line the grants are paid on, as the accounting system (Chorus) knows
   * it, e.g. "P112 – Impulsion et coordination de la politique d'aménagement du territoire": carried
   * to each award, its agreement and the payments export. Optional (calls written before it).
   */
  budgetProgrammeLine: z.string().trim().min(1).max(200).regex(/^[^\u0000]*$/, 'no NUL character').optional(),
  description: z.string().max(20_000),
  budgetEnvelopeCents: cents,
  eligibleApplicantKinds: z.array(applicantKind).min(1).max(APPLICANT_KINDS.length),
  groupementsAllowed: z.boolean(),
  cofinancing: z.object({
    maxStateRateBps: basisPoints,
    minGrantCents: cents,
    maxGrantCents: cents,
    minProjectCostCents: cents,
    /** CGCT L1111-10 III: a collectivité owning the project funds ≥ 20 % (30 % chef-de-file) of the public funding. */
    ownContribution: z.object({ enabled: z.boolean(), minShareBps: basisPoints }),
  }),
  requiredDocuments: z.array(z.object({ type: z.string().max(100).regex(/^[a-z0-9-]+$/), label: z.string().min(1).max(500) })).max(50),
  scoringGrid: z.object({
    criteria: z.array(scoringCriterion).min(1).max(50),
    /** Minimum weighted score (0–100) to be ranked; optional. */
    passThreshold: z.number().min(0).max(100).optional(),
  }),
  reviewersPerDossier: z.number().int().min(1).max(10),
  paymentSchedule: z.object({
    /** Décret 2018-514 art. 12: advance ≤ 30 %, interim payments ≤ 80 % cumulated, then the balance. */
    advanceBps: basisPoints,
    interimCapBps: basisPoints,
  }),
  waves: z.array(wave).min(1).max(100),
  /** Active dossiers one organisation may have per wave. */
  maxActiveDossiersPerApplicantPerWave: z.number().int().min(1).default(1),
  /** A draft still open this many days before its wave closes gets a reminder. */
  reminderDaysBeforeClose: z.number().int().min(0).max(60).default(7),
  /** Admissibility checklist, conflicts of interest, review deadline, ranking (defaults: `evaluationSettingsOf`). */
  evaluation: evaluationSettings.optional(),
});
export type CallRules = z.infer<typeof callRules>;

export const CALL_STATUSES = ['draft', 'published', 'closed', 'unpublished'] as const;
export const callStatus = z.enum(CALL_STATUSES);
export type CallStatus = z.infer<typeof callStatus>;

/**
 * Who may act on a call besides admins (issue 16): the people of each staff role, by the `sub` of
 * their token. Reviewers are not listed here: they reach a call through its reviewer pool and their
 * assignments (evaluation). A staff caller outside the team is answered as if the call did not exist.
 */
export const TEAM_ROLES = ['programme-manager', 'committee', 'finance'] as const;
export type TeamRole = (typeof TEAM_ROLES)[number];
const teamMembers = z.array(z.string().min(1).max(200)).max(100).default([]);
export const callTeam = z.object({
  /** Programme managers: run the call (rules, waves, dossiers, admissibility, reviewer pool, agreements). */
  'programme-manager': teamMembers,
  /** Committee members: rank and decide. */
  committee: teamMembers,
  /** Finance officers: legal commitment, tranches, bank details, payments, ledger. */
  finance: teamMembers,
});
export type CallTeam = z.infer<typeof callTeam>;

/** The whole call, as carried by every call event. */
export const callSnapshot = callRules.extend({
  callId: z.string().min(1).max(100),
  status: callStatus,
  /** Closing instant of the call: the last wave's closesAt. */
  closesAt: isoDateTime,
  publishedAt: isoDateTime.optional(),
  closedAt: isoDateTime.optional(),
  /** Absent on calls recorded before teams existed: then only admins act on them. */
  team: callTeam.optional(),
  version: z.number().int().positive(),
});
export type CallSnapshot = z.infer<typeof callSnapshot>;

const call = <Extra extends z.ZodRawShape>(name: string, extra: Extra, description: string) =>
  defineEvent({
    name: `call.${name}`,
    version: 1,
    producer: 'submission',
    aggregate: 'call',
    schema: z.object({ call: callSnapshot, ...extra }),
    aggregateId: (data) => (data as { call: CallSnapshot }).call.callId,
    description,
  });

export const CallPublished = call('published', {}, 'A call for projects was published: applicants may apply in its waves.');
export const CallClosed = call(
  'closed',
  { reason: z.enum(['closing-time', 'manual']), note: z.string().optional() },
  'A call was closed, at its closing time or by its programme manager.',
);
export const CallExtended = call(
  'extended',
  { reason: z.string().min(1), previousClosesAt: isoDateTime },
  'The closing time of a published call was moved later.',
);
export const CallReopened = call('reopened', { reason: z.string().min(1) }, 'A closed call was published again with a new closing time.');
export const CallUnpublished = call('unpublished', { reason: z.string().optional() }, 'A published call was withdrawn from publication.');

export const CallTeamChanged = call(
  'team-changed',
  { role: z.enum(TEAM_ROLES), member: z.string().min(1).max(200), change: z.enum(['added', 'removed']) },
  "A member joined or left a call's team: the call (with its whole team) as it stands after the change.",
);

export const callEvents = [CallPublished, CallClosed, CallExtended, CallReopened, CallUnpublished, CallTeamChanged];
