import { z } from 'zod';
import {
  DossierResubmitted,
  DossierSubmitted,
  DossierWithdrawn,
  type DossierSnapshot,
} from '@aap/contracts';
import { callerOf, conflict, notFound, unprocessable, type ProblemError } from '@aap/http';
import { newEvent, withEvents } from '@aap/messaging';
import type { ServiceContext } from '@aap/service-runtime';
import type { DossierDependencies } from './index';
import { submissionViolations, WITHDRAWABLE_STATUSES, type BudgetSection, type ProjectSection, type RuleViolation } from './dossier';
import type { DossierDocument } from './dossier.model';
import { contentHash } from './content-hash';
import { nextDossierNumber } from './dossier-number';
import { idempotencyHeaders } from './draft.routes';
import { dossierParams, findOwnDossier } from './dossier-access';
import { receiptView, toReceipt } from './views';


/** Rules that only bind a first submission: an answer to a complement request may come after the window. */
const FIRST_SUBMISSION_ONLY = new Set(['window-open', 'call-published', 'active-dossiers-per-wave']);

const toProblemErrors = (violations: RuleViolation[]): ProblemError[] =>
  violations.map((v) => ({ name: v.name, in: 'rule', detail: v.detail, ...(v.pointer ? { pointer: v.pointer } : {}) }));

export function registerLifecycleRoutes(context: ServiceContext, deps: DossierDependencies): void {
  const { http, service } = context;
  const { Dossier, calls, organisations, attachments } = deps;

  /** Loads what the submission rules look at, and the snapshot that would be published. */
  async function prepareSubmission(dossier: DossierDocument, now: Date) {
    const [call, applicant, files, otherActive] = await Promise.all([
      calls.get(dossier.callId),
      organisations.get(dossier.organisationId),
      attachments.listForDossier(dossier._id),
      Dossier.countDocuments({
        _id: { $ne: dossier._id },
        organisationId: dossier.organisationId,
        callId: dossier.callId,
        waveId: dossier.waveId,
        status: { $in: ['submitted', 'under-review', 'complement-requested', 'waitlisted', 'accepted'] },
      }),
    ]);
    if (!call) throw notFound(`Call ${dossier.callId}`);
    const violations = submissionViolations({
      call,
      waveId: dossier.waveId,
      applicant,
      content: { project: dossier.project ?? {}, budget: dossier.budget ?? {}, documentTypes: files.map((f) => f.documentType) },
      otherActiveDossiersInWave: otherActive,
      now,
    });
    const content = { project: dossier.project as ProjectSection, budget: dossier.budget as BudgetSection, attachments: files };
    return { violations, applicant, content, hash: contentHash(content) };
  }

  function snapshotOf(dossier: DossierDocument, prepared: Awaited<ReturnType<typeof prepareSubmission>>, number: string, submittedAt: Date): DossierSnapshot {
    return {
      dossierId: dossier._id,
      number,
      callId: dossier.callId,
      waveId: dossier.waveId,
      applicant: prepared.applicant!,
      ...prepared.content,
      submittedAt: submittedAt.toISOString(),
      contentHash: prepared.hash,
    };
  }

  const ownDossier = (organisationId: string, dossierId: string) => findOwnDossier(Dossier, organisationId, dossierId);

  http.post(
    '/dossiers/:dossierId/submit',
    {
      config: { access: { roles: ['applicant'] } },
      schema: {
        tags: ['dossiers'],
        summary: 'Submit a draft: every rule of the call is checked; the receipt attests what was submitted',
        description: 'Send an Idempotency-Key: a retried request returns the same receipt and publishes nothing twice.',
        params: dossierParams,
        headers: idempotencyHeaders,
        response: { 200: receiptView },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const key = request.headers['idempotency-key'];
      const dossier = await ownDossier(caller.organisation!, request.params.dossierId);
      if (dossier.status !== 'draft') {
        if (key && dossier.submitIdempotencyKey === key) return toReceipt(dossier);
        throw conflict(`the dossier is already ${dossier.status}`);
      }

      const now = new Date();
      const prepared = await prepareSubmission(dossier, now);
      if (prepared.violations.length > 0) {
        throw unprocessable(`The dossier breaks ${prepared.violations.length} rule(s) of the call`, toProblemErrors(prepared.violations));
      }

      const number = await nextDossierNumber(context.db, now);
      const snapshot = snapshotOf(dossier, prepared, number, now);
      const event = newEvent(service, DossierSubmitted, { dossier: snapshot }, { causationId: request.id });
      // One guarded single-document write: the status change, the receipt and the event together.
      const result = await Dossier.updateOne(
        { _id: dossier._id, status: 'draft', version: dossier.version },
        withEvents(
          {
            $set: {
              status: 'submitted',
              number,
              applicant: prepared.applicant,
              submittedAt: now,
              contentHash: prepared.hash,
              ...(key ? { submitIdempotencyKey: key } : {}),
              updatedAt: now,
            },
            $push: { history: { status: 'submitted', at: now, by: caller.userId } },
            $inc: { version: 1 },
          },
          [event],
        ),
      );
      if (result.matchedCount === 0) {
        // A concurrent request won: same key → its receipt; otherwise the dossier changed meanwhile.
        const current = await ownDossier(caller.organisation!, dossier._id);
        if (key && current.submitIdempotencyKey === key) return toReceipt(current);
        throw conflict(`the dossier changed meanwhile (now ${current.status}): reload it`);
      }
      return { dossierId: dossier._id, number, submittedAt: now.toISOString(), contentHash: prepared.hash };
    },
  );

  http.post(
    '/dossiers/:dossierId/withdraw',
    {
      config: { access: { roles: ['applicant'] } },
      schema: {
        tags: ['dossiers'],
        summary: 'Withdraw a submitted dossier before a decision',
        params: dossierParams,
        body: z.object({ reason: z.string().max(2_000).optional() }).default({}),
        response: { 200: z.object({ dossierId: z.string(), status: z.literal('withdrawn') }) },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const dossier = await ownDossier(caller.organisation!, request.params.dossierId);
      if (!WITHDRAWABLE_STATUSES.includes(dossier.status)) {
        throw conflict(`a ${dossier.status} dossier cannot be withdrawn (only ${WITHDRAWABLE_STATUSES.join(', ')})`);
      }
      const now = new Date();
      const event = newEvent(service, DossierWithdrawn, {
        dossierId: dossier._id,
        number: dossier.number!,
        callId: dossier.callId,
        waveId: dossier.waveId,
        organisationId: dossier.organisationId,
        reason: request.body.reason,
        withdrawnAt: now.toISOString(),
        requestedGrantCents: (dossier.budget as BudgetSection).requestedGrantCents,
      });
      const result = await Dossier.updateOne(
        { _id: dossier._id, version: dossier.version, status: dossier.status },
        withEvents(
          {
            $set: { status: 'withdrawn', updatedAt: now },
            $push: { history: { status: 'withdrawn', at: now, by: caller.userId, note: request.body.reason } },
            $inc: { version: 1 },
          },
          [event],
        ),
      );
      if (result.matchedCount === 0) throw conflict('the dossier changed meanwhile: reload it');
      return { dossierId: dossier._id, status: 'withdrawn' as const };
    },
  );

  http.post(
    '/dossiers/:dossierId/complements/:complementRequestId/answer',
    {
      config: { access: { roles: ['applicant'] } },
      schema: {
        tags: ['dossiers'],
        summary: 'Answer a request for complements and resubmit the dossier',
        params: dossierParams.extend({ complementRequestId: z.string().min(1) }),
        body: z.object({ answer: z.string().trim().min(1).max(20_000) }),
        response: { 200: receiptView },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const { complementRequestId } = request.params;
      const dossier = await ownDossier(caller.organisation!, request.params.dossierId);
      const open = dossier.complementRequests.find((r) => r.complementRequestId === complementRequestId && !r.answeredAt);
      if (dossier.status !== 'complement-requested' || !open) {
        throw conflict(`no open complement request ${complementRequestId} on this dossier (it is ${dossier.status})`);
      }
      const now = new Date();
      const prepared = await prepareSubmission(dossier, now);
      const violations = prepared.violations.filter((v) => !FIRST_SUBMISSION_ONLY.has(v.name));
      if (violations.length > 0) {
        throw unprocessable(`The dossier breaks ${violations.length} rule(s) of the call`, toProblemErrors(violations));
      }
      const snapshot = snapshotOf(dossier, prepared, dossier.number!, new Date(dossier.submittedAt!));
      const event = newEvent(service, DossierResubmitted, { dossier: snapshot, complementRequestId, answer: request.body.answer });
      const answered = dossier.complementRequests.map((r) =>
        r.complementRequestId === complementRequestId ? { ...r, answeredAt: now, answer: request.body.answer } : r,
      );
      const result = await Dossier.updateOne(
        { _id: dossier._id, version: dossier.version, status: 'complement-requested' },
        withEvents(
          {
            $set: { status: 'under-review', complementRequests: answered, contentHash: prepared.hash, updatedAt: now },
            $push: { history: { status: 'under-review', at: now, by: caller.userId, note: 'complements sent' } },
            $inc: { version: 1 },
          },
          [event],
        ),
      );
      if (result.matchedCount === 0) throw conflict('the dossier changed meanwhile: reload it');
      return { dossierId: dossier._id, number: dossier.number!, submittedAt: new Date(dossier.submittedAt!).toISOString(), contentHash: prepared.hash };
    },
  );
}
