import { evaluationSettingsOf, type CallSnapshot } from '@aap/contracts';
import type { EvaluationState } from '../evaluations';
import { display, type Normalisation } from '../scoring/scoring';
import { heldBy, remainingCents, type EnvelopeState, type PromotionProposal } from './envelope';
import { propose, type ProposedDecision } from '../scoring/ranking';
import { decisionView, type DecisionView } from './scoreboard';
import { capOf, rankingOf, type Entry } from './standings';

export { decisionView, type DecisionView };

/**
 * The committee's ranked list of one wave, pure: the ranking (scoring/ranking.ts) with each dossier's grant
 * cap, the proposal walked in rank order against the call's remaining envelope (running budget per
 * row), the current decisions and pending promotions; the eliminated dossiers after it with their
 * reasons. And the wave's minutes: every decision taken, reopened ones included.
 */

export interface RankedRow {
  /** Place in the list: the ranked dossiers, then the eliminated ones. */
  position: number;
  /** Rank among the ranked dossiers; null when eliminated. */
  rank: number | null;
  dossierId: string;
  number: string;
  applicant: string;
  organisationId: string;
  title: string;
  /** Both scores (0–100), rounded to 2 decimals for display; the order compares them unrounded. */
  rawScore: number;
  normalisedScore: number;
  rankedBy: 'normalised' | 'raw';
  reviewCount: number;
  disagreement: boolean;
  flags: string[];
  requestedGrantCents: number;
  capCents: number;
  fundable: boolean;
  proposal: ProposedDecision;
  proposedGrantCents: number;
  /** The call's remaining envelope after this row's proposal (the running budget); null for an eliminated dossier. */
  remainingCents: number | null;
  eliminated: boolean;
  /** Why it is eliminated, or why it cannot be funded. */
  reasons: string[];
  decision: DecisionView | null;
  promotionProposed: boolean;
}

export interface EnvelopeView {
  envelopeCents: number;
  /** Reserved by the call's approved dossiers, every wave. */
  committedCents: number;
  remainingCents: number;
  /** What the proposal would add to the committed amount. */
  proposedCents: number;
}

export interface RankedList {
  callId: string;
  waveId: string;
  rankBy: 'normalised' | 'raw';
  tieBreak: string;
  envelope: EnvelopeView;
  rankedCount: number;
  eliminatedCount: number;
  promotions: PromotionView[];
  rows: RankedRow[];
}

export type PromotionView = Omit<PromotionProposal, 'at'> & { at: string };

const iso = (date: Date | string) => new Date(date).toISOString();
const rounded = (score: number) => Number(display(score));

export const envelopeView = (envelope: EnvelopeState, proposedCents = 0): EnvelopeView => ({
  envelopeCents: envelope.envelopeCents,
  committedCents: envelope.reservedCents,
  remainingCents: remainingCents(envelope),
  proposedCents,
});

/** `entries`: the wave's completed evaluations (scoreboard); `normalisation`: the call's, every wave. */
export function rankedList(call: CallSnapshot, entries: readonly Entry[], normalisation: Normalisation, envelope: EnvelopeState, waveId: string): RankedList {
  const ranking = rankingOf(call, entries, normalisation);
  const wave = call.waves.find((w) => w.waveId === waveId);
  const proposed = new Set(envelope.promotions.map((p) => p.dossierId));
  const candidates = ranking.ranked.map((row) => {
    const { entry } = row;
    const cap = capOf(call, entry);
    const kind = entry.decision?.kind;
    // A rejected dossier is not funded by the proposal; an approved one keeps what it holds.
    if (kind === 'rejected') return { row, ...cap, fundable: false, reason: 'rejected by the committee' };
    if (kind === 'approved') return { row, ...cap, heldCents: heldBy(envelope, entry.dossierId) || entry.decision!.grantCents! };
    return { row, ...cap };
  });
  const proposal = propose(candidates, { envelopeCents: envelope.envelopeCents, committedCents: envelope.reservedCents, ...(wave?.maxWinners ? { maxWinners: wave.maxWinners } : {}) });
  const base = (row: (typeof ranking.ranked)[number]) => {
    const { entry } = row;
    return {
      dossierId: entry.dossierId,
      number: entry.number,
      applicant: entry.applicant,
      organisationId: entry.organisationId,
      title: entry.title,
      rawScore: rounded(row.rawScore),
      normalisedScore: rounded(row.normalisedScore),
      rankedBy: ranking.rankBy,
      reviewCount: entry.reviews.length,
      disagreement: row.disagreement,
      requestedGrantCents: entry.requestedGrantCents,
      decision: entry.decision,
      promotionProposed: proposed.has(entry.dossierId),
    };
  };
  const flagsOf = (disagreement: boolean, extra: Array<string | false>) => [...(disagreement ? ['disagreement'] : []), ...extra.filter((f): f is string => Boolean(f))];
  const rows: RankedRow[] = proposal.rows.map(({ row: candidate, proposal: proposed, proposedGrantCents, remainingCents, reason }, index) => {
    const common = base(candidate.row);
    return {
      position: index + 1,
      rank: candidate.row.rank,
      ...common,
      flags: flagsOf(common.disagreement, [!candidate.fundable && 'not-fundable', common.promotionProposed && 'promotion-proposed']),
      capCents: candidate.capCents,
      fundable: candidate.fundable,
      proposal: proposed,
      proposedGrantCents,
      remainingCents,
      eliminated: false,
      reasons: reason && reason !== 'already approved' ? [reason] : [],
    };
  });
  for (const row of ranking.eliminated) {
    const common = base(row);
    const cap = capOf(call, row.entry);
    rows.push({
      position: rows.length + 1,
      rank: null,
      ...common,
      flags: flagsOf(common.disagreement, ['eliminated']),
      capCents: cap.capCents,
      fundable: false,
      proposal: 'reject',
      proposedGrantCents: 0,
      remainingCents: null,
      eliminated: true,
      reasons: row.eliminationReasons,
    });
  }
  return {
    callId: call.callId,
    waveId,
    rankBy: evaluationSettingsOf(call).rankBy,
    tieBreak: ranking.tieBreak,
    envelope: envelopeView(envelope, proposal.proposedCents),
    rankedCount: ranking.ranked.length,
    eliminatedCount: ranking.eliminated.length,
    promotions: envelope.promotions.map((p) => ({ ...p, at: iso(p.at) })),
    rows,
  };
}

export interface MinutesRow extends DecisionView {
  number: string;
  dossierId: string;
  applicant: string;
  title: string;
  /** Still the dossier's decision, or reopened since. */
  current: boolean;
}

/** Every decision of the wave's dossiers, reopened ones included, in the order they were taken. */
export function minutesOf(evaluations: readonly EvaluationState[]): MinutesRow[] {
  const rows: MinutesRow[] = [];
  for (const state of evaluations) {
    for (const decision of state.decisions) {
      rows.push({
        number: state.number,
        dossierId: state.dossierId,
        applicant: state.snapshot.applicant.name,
        title: state.snapshot.project.title,
        ...decisionView(decision),
        current: !decision.reopenedAt && state.decision !== undefined && iso(state.decision.decidedAt) === iso(decision.decidedAt),
      });
    }
  }
  return rows.sort((a, b) => (a.decidedAt === b.decidedAt ? (a.number < b.number ? -1 : 1) : a.decidedAt < b.decidedAt ? -1 : 1));
}
