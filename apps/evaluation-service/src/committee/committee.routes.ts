import { z } from 'zod';
import type { CallSnapshot } from '@aap/contracts';
import { callerOf, HttpProblem, notFound, pageOf, paginationQuery, sendCsv, type Caller, type CsvColumn, type Role, COMMAND_REFUSALS, CSV_MEDIA_TYPE, fileAnswer } from '@aap/http';
import { acceptedOrThrow, violationErrors, type ServiceContext } from '@aap/service-runtime';
import type { CallCopies } from '@aap/service-runtime/call-copies';
import { CALL_COMMITTEE, teamCall, type EvaluationState, type Evaluations } from '../evaluations';
import { dossierParams, headerOf } from '../evaluations/evaluation.views';
import { decidedView, rankedListView } from './committee.views';
import { approve, askedGrant, dutyViolations, reject, reopen, waitlist } from './decision';
import type { EnvelopeProcess } from './envelope.process';
import type { EnvelopeStore } from './envelope.store';
import type { Scoreboard } from './scoreboard.projection';
import { decisionView, envelopeView, minutesOf, rankedList, type MinutesRow, type RankedRow } from './ranked-list';
import { eliminationReasonsOf, rankingOf, reserveRankOf, standingNeedsCall, withCurrent, type CallNormalisation } from './standings';

/** Only the committee decides. */
const DECIDERS = ['committee'] as const satisfies readonly Role[];
/** The committee and the call's managers read the ranked list and the minutes (on the call's team, or admin). */
const RANKING_READERS = ['committee', 'programme-manager', 'admin'] as const satisfies readonly Role[];

/**
 * The committee member about to decide on a dossier, refused with 403 `separation-of-duties` when they
 * review it (the decide functions hold the same rule for a write that would race past this check).
 */
function notReviewerOf(state: EvaluationState, caller: Caller): void {
  const violations = dutyViolations(state, caller.userId);
  if (violations.length > 0) throw new HttpProblem(403, 'forbidden', 'Forbidden', violations[0]!.detail, violationErrors(violations));
}

const decisionBody = z.object({
  decision: z.enum(['approve', 'reject', 'waitlist']),
  grantCents: z.number().int().positive().optional().describe("Approve: the grant in cents (default: the dossier's cap)"),
  motivation: z.string().trim().max(5_000).optional().describe('Required to reject; sent to the applicant'),
});
const reopenBody = z.object({ motivation: z.string().trim().max(5_000).describe('Why the decision is reopened (required)') });
const waveParams = z.object({ callId: z.string().min(1).max(100), waveId: z.string().min(1).max(100) });

const RANKING_COLUMNS: CsvColumn<RankedRow>[] = [
  { header: 'position', value: (r) => r.position },
  { header: 'rang', value: (r) => r.rank },
  { header: 'numéro', value: (r) => r.number },
  { header: 'porteur', value: (r) => r.applicant },
  { header: 'projet', value: (r) => r.title },
  { header: 'note brute', value: (r) => r.rawScore },
  { header: 'note normalisée', value: (r) => r.normalisedScore },
  { header: 'classé par', value: (r) => r.rankedBy },
  { header: 'avis', value: (r) => r.reviewCount },
  { header: 'signalements', value: (r) => r.flags.join(' ') },
  { header: 'demandé (centimes)', value: (r) => r.requestedGrantCents },
  { header: 'plafond (centimes)', value: (r) => r.capCents },
  { header: 'proposition', value: (r) => r.proposal },
  { header: 'montant proposé (centimes)', value: (r) => r.proposedGrantCents },
  { header: 'enveloppe restante (centimes)', value: (r) => r.remainingCents },
  { header: 'décision', value: (r) => r.decision?.kind },
  { header: 'montant décidé (centimes)', value: (r) => r.decision?.grantCents },
  { header: 'motifs', value: (r) => r.reasons.join('; ') },
];

const MINUTES_COLUMNS: CsvColumn<MinutesRow>[] = [
  { header: 'numéro', value: (r) => r.number },
  { header: 'porteur', value: (r) => r.applicant },
  { header: 'projet', value: (r) => r.title },
  { header: 'décision', value: (r) => r.kind },
  { header: 'montant (centimes)', value: (r) => r.grantCents },
  { header: 'rang liste complémentaire', value: (r) => r.rank },
  { header: 'motivation', value: (r) => r.motivation },
  { header: 'décidé par', value: (r) => r.decidedBy },
  { header: 'décidé le', value: (r) => r.decidedAt },
  { header: 'en vigueur', value: (r) => (r.current ? 'oui' : 'non') },
  { header: 'réouvert par', value: (r) => r.reopenedBy },
  { header: 'réouvert le', value: (r) => r.reopenedAt },
  { header: 'motif de réouverture', value: (r) => r.reopenMotivation },
];

export function registerCommitteeRoutes(
  context: ServiceContext,
  deps: { evaluations: Evaluations; calls: CallCopies; envelopes: EnvelopeStore; process: EnvelopeProcess; scoreboard: Scoreboard; scores: CallNormalisation },
): void {
  const { evaluations, calls, envelopes, process, scoreboard, scores } = deps;
  const tags = ['committee'];

  const callOf = calls.found;
  const waveOf = async (caller: Caller, callId: string, waveId: string) => {
    const call = await teamCall(calls, caller, callId, RANKING_READERS);
    if (!call.waves.some((w) => w.waveId === waveId)) throw notFound(`Wave ${waveId} of call ${callId}`);
    return call;
  };

  const decided = async (call: CallSnapshot, state: EvaluationState) => {
    const { envelopeCents, committedCents, remainingCents } = envelopeView(await envelopes.current(call));
    return {
      ...headerOf(state),
      decision: state.decision ? decisionView(state.decision) : null,
      decisions: state.decisions.map(decisionView),
      envelope: { envelopeCents, committedCents, remainingCents },
    };
  };

  context.http.post(
    '/evaluations/:dossierId/decision',
    {
      config: { access: { roles: DECIDERS }, problems: COMMAND_REFUSALS },
      schema: {
        operationId: 'decideDossier',
        tags,
        summary: "The committee's decision on an evaluated (or waitlisted) dossier: approve within the cap and the call's envelope, reject with a motivation, or waitlist",
        params: dossierParams,
        body: decisionBody,
        response: { 200: decidedView },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const { dossierId } = request.params;
      const body = request.body;
      const now = new Date();
      const current = await evaluations.readable(caller, dossierId, CALL_COMMITTEE);
      notReviewerOf(current, caller);
      const call = await callOf(current.callId);
      // The call's normalisation only when the decision depends on it (normalised threshold, reserve rank).
      const normalisation = body.decision === 'waitlist' || standingNeedsCall(call) ? await scores.normalisation(call.callId) : undefined;
      const standing = { eliminationReasons: eliminationReasonsOf(call, current, normalisation) };
      let state: EvaluationState;
      if (body.decision === 'approve') {
        const command = { ...(body.grantCents !== undefined ? { grantCents: body.grantCents } : {}), ...(body.motivation ? { motivation: body.motivation } : {}), by: caller.userId };
        // Checked before any money moves: a refused approval never touches the envelope.
        acceptedOrThrow(approve(current, call, standing, command, now), 'evaluation');
        // Hold → decide → settle, resumed from the envelope's stored state after a crash (envelope.process.ts).
        state = await process.approveWithinEnvelope(caller, call, { ...command, dossierId, grantCents: askedGrant(call, current, command), at: now }, standing);
      } else {
        const command = { ...(body.motivation ? { motivation: body.motivation } : {}), by: caller.userId };
        const reserveRank = body.decision === 'waitlist' ? reserveRankOf(rankingOf(call, withCurrent(await scoreboard.ofWave(call.callId, current.waveId), current), normalisation!), dossierId) : 0;
        state = await evaluations.command(
          caller,
          dossierId,
          (latest) => (body.decision === 'reject' ? reject(latest, standing, command, now) : waitlist(latest, standing, { ...command, rank: reserveRank }, now)),
          { access: CALL_COMMITTEE },
        );
        // Recorded first, then released: what the dossier held (a crash between an approval's two steps) comes back.
        await process.giveBack(call.callId, dossierId, `${body.decision === 'reject' ? 'rejection' : 'waitlisting'} of ${state.number}`);
      }
      await scoreboard.refresh(dossierId);
      return decided(call, state);
    },
  );

  context.http.post(
    '/evaluations/:dossierId/decision/reopen',
    {
      config: { access: { roles: DECIDERS }, problems: COMMAND_REFUSALS },
      schema: {
        operationId: 'reopenDecision',
        tags,
        summary: "Reopen the committee's decision on a dossier (motivation required): it is evaluated again, an approval's grant goes back to the envelope",
        params: dossierParams,
        body: reopenBody,
        response: { 200: decidedView },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const { dossierId } = request.params;
      const now = new Date();
      const command = { motivation: request.body.motivation, by: caller.userId };
      const current = await evaluations.readable(caller, dossierId, CALL_COMMITTEE);
      notReviewerOf(current, caller);
      // Checked before any money moves: a refused reopening never touches the envelope.
      acceptedOrThrow(reopen(current, command, now), 'evaluation');
      const call = await callOf(current.callId);
      // Release in progress → reopen → money back, resumed from the envelope's stored state after a crash (envelope.process.ts).
      const state = await process.reopenGivingBack(call, { dossierId, freedBy: `decision-reopened of ${current.number}`, at: now }, async () => {
        const reopened = await evaluations.command(caller, dossierId, (latest) => reopen(latest, command, now), { access: CALL_COMMITTEE });
        await scoreboard.refresh(dossierId);
        return reopened;
      });
      return decided(call, state);
    },
  );

  const listOf = async (caller: Caller, callId: string, waveId: string) => {
    const call = await waveOf(caller, callId, waveId);
    // The scoreboard and the reviews' score projection: a few dozen small documents, not the call's evaluations.
    const [entries, normalisation, envelope] = await Promise.all([scoreboard.ofWave(callId, waveId), scores.normalisation(callId), envelopes.current(call)]);
    return rankedList(call, entries, normalisation, envelope, waveId);
  };

  context.http.get(
    '/calls/:callId/waves/:waveId/ranking',
    {
      config: { access: { roles: RANKING_READERS } },
      schema: {
        operationId: 'getWaveRanking',
        tags,
        summary: "A wave's ranked list: scores, flags, grant caps, the proposal with the running budget, decisions, eliminated dossiers after it, pending promotions",
        params: waveParams,
        querystring: paginationQuery,
        response: { 200: rankedListView },
      },
    },
    async (request) => {
      const { rows, ...list } = await listOf(callerOf(request), request.params.callId, request.params.waveId);
      return { ...list, ...pageOf(rows, request.query) };
    },
  );

  context.http.get(
    '/calls/:callId/waves/:waveId/ranking.csv',
    {
      config: { access: { roles: RANKING_READERS } },
      schema: { operationId: 'exportWaveRankingCsv', tags, summary: "A wave's ranked list as CSV (every row)", params: waveParams, response: { 200: fileAnswer(CSV_MEDIA_TYPE, 'The ranked list') } },
    },
    async (request, reply) => {
      const { callId, waveId } = request.params;
      const list = await listOf(callerOf(request), callId, waveId);
      return sendCsv(reply, `classement-${callId}-${waveId}.csv`, list.rows, RANKING_COLUMNS);
    },
  );

  context.http.get(
    '/calls/:callId/waves/:waveId/minutes.csv',
    {
      config: { access: { roles: RANKING_READERS } },
      schema: { operationId: 'exportWaveMinutesCsv', tags, summary: "The committee's minutes of a wave as CSV: every decision (reopened ones too), who decided, when, the amount and the motivation", params: waveParams, response: { 200: fileAnswer(CSV_MEDIA_TYPE, 'The minutes') } },
    },
    async (request, reply) => {
      const { callId, waveId } = request.params;
      await waveOf(callerOf(request), callId, waveId);
      // The decision history is on the evaluations only: a rare export reads the wave's (one indexed equality).
      const rows = minutesOf(await evaluations.store.decisionsOfWave(callId, waveId));
      return sendCsv(reply, `proces-verbal-${callId}-${waveId}.csv`, rows, MINUTES_COLUMNS);
    },
  );
}
