import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { budgetSection, isActive, type ApplicantSnapshot, type CallSnapshot } from '@aap/contracts';
import { callerOf, notFound, policies, ROLE_SETS, type Caller } from '@aap/http';
import { acceptedOrThrow, concurrentChange, isDuplicateKey, type ServiceContext } from '@aap/service-runtime';
import {
  answerComplement,
  editBudget,
  editProject,
  projectDraft,
  startDraft,
  submit,
  withdraw,
  type Dossier,
  type DossierDecision,
  type SubmissionFacts,
} from './dossier';
import type { DossierStore } from './dossier.store';
import { dossierView, receiptView, toDossierView, toReceipt } from './dossier.views';

/** What the dossier slice reads of the other slices of the service (their ports: no import of their files). */
export interface DossierPorts {
  calls: { get(callId: string): Promise<CallSnapshot | null>; published(): Promise<CallSnapshot[]> };
  organisations: { get(organisationId: string): Promise<ApplicantSnapshot | null> };
  /** Whether a reviewer holds an active assignment on a dossier (the reviewer-access slice). */
  reviewers: { assigned(dossierId: string, reviewerId: string): Promise<boolean> };
}

/**
 * The dossier if the caller may read it (`policies.readableDossier`: oversight roles, the owning
 * organisation, an assigned reviewer), else the 404 of a dossier that does not exist. Every read of
 * a dossier or its attachments goes through it.
 */
export function dossierReader(store: Pick<DossierStore, 'get'>, reviewers: DossierPorts['reviewers']) {
  return async (caller: Caller, dossierId: string): Promise<Dossier> => {
    const dossier = await store.get(dossierId);
    await policies.readableDossier(caller, dossier, `Dossier ${dossierId}`, () => reviewers.assigned(dossierId, caller.userId));
    return dossier!;
  };
}

export const idempotencyHeaders = z.object({ 'idempotency-key': z.string().min(8).max(200).optional() });
export const dossierParams = z.object({ dossierId: z.string().min(1).max(100) });
const tags = ['dossiers'];

/** A draft created with an Idempotency-Key gets an id derived from it: a retry finds the same draft. */
function draftIdFor(organisationId: string, key: string | undefined): string {
  if (!key) return randomUUID();
  const hex = createHash('sha256').update(`${organisationId}:${key}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Stands for the receipt number while a submission is only checked (the number is taken once it passes). */
const NUMBER_NOT_TAKEN = 'AAP-0000-000000';

export function registerDossierRoutes(context: ServiceContext, store: DossierStore, { calls, organisations, reviewers }: DossierPorts): void {
  const { http } = context;
  const readable = dossierReader(store, reviewers);

  /** Changes are made by the dossier's own organisation only (even a token that also carries a staff role); another's answers 404, like one that does not exist. */
  const ownedBy = (caller: Caller, dossier: Dossier | null, dossierId: string): Dossier => {
    if (!dossier || dossier.organisationId !== caller.organisation) throw notFound(`Dossier ${dossierId}`);
    return dossier;
  };

  /** Decides on the caller's own dossier and records it (see `store.transition`); a refusal is its problem. */
  async function change(caller: Caller, dossierId: string, decide: (dossier: Dossier) => DossierDecision | Promise<DossierDecision>): Promise<Dossier> {
    const outcome = await store.transition(dossierId, (dossier) => {
      ownedBy(caller, dossier, dossierId);
      return decide(dossier);
    });
    if (!outcome) throw notFound(`Dossier ${dossierId}`);
    return acceptedOrThrow(outcome.decision, 'dossier').state;
  }

  async function submissionFacts(dossier: Dossier, otherActiveDossiersInWave: number): Promise<SubmissionFacts> {
    const [call, applicant] = await Promise.all([calls.get(dossier.callId), organisations.get(dossier.organisationId)]);
    if (!call) throw notFound(`Call ${dossier.callId}`);
    return { call, applicant, otherActiveDossiersInWave };
  }

  /**
   * Submits with the per-wave rule held under concurrency: the rules are checked, then a place is
   * claimed in the wave's guard (guarded write), then the receipt number is taken (locked counter),
   * then the dossier is written (guarded on its version; a number another process took meanwhile
   * hits the unique index and another is taken). An upload recorded meanwhile makes the write lose
   * its race: the submission is decided again with it. A failed submit gives its place back.
   */
  async function submitDossier(caller: Caller, dossierId: string, idempotencyKey: string | undefined): Promise<Dossier> {
    let number: string | undefined;
    let claimed = false;
    const now = new Date();
    try {
      for (let attempt = 1; ; attempt++) {
        const current = ownedBy(caller, await store.get(dossierId), dossierId);
        const command = { idempotencyKey, by: caller.userId };
        const facts = await submissionFacts(current, await store.activeInWave(current, now));
        const checked = submit(current, facts, { ...command, number: number ?? NUMBER_NOT_TAKEN }, now);
        if (checked.outcome === 'accepted' && checked.state === current) return current; // the same submit, retried
        acceptedOrThrow(checked, 'dossier');
        if (!claimed) {
          const place = await store.claimWavePlace(current, facts.call.maxActiveDossiersPerApplicantPerWave, now);
          if (place.outcome === 'full') {
            acceptedOrThrow(submit(current, { ...facts, otherActiveDossiersInWave: place.otherActive }, { ...command, number: NUMBER_NOT_TAKEN }, now), 'dossier');
          }
          claimed = true;
        }
        number ??= await store.nextNumber(now);
        const { state, events } = acceptedOrThrow(submit(current, facts, { ...command, number }, now), 'dossier');
        try {
          if (await store.record(current, state, context.events(events))) return state;
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
          number = undefined; // taken by another process: take the next one
        }
        if (attempt >= 5) throw concurrentChange(`dossier ${dossierId}`, current.version);
      }
    } catch (error) {
      const after = claimed ? await store.get(dossierId) : null;
      if (after && !isActive(after.status)) await store.releaseWavePlace(after);
      throw error;
    }
  }

  http.post(
    '/dossiers',
    {
      config: { access: { roles: ['applicant'] } },
      schema: {
        tags,
        summary: 'Start a draft dossier on a wave of a published call',
        headers: idempotencyHeaders,
        body: z.object({ callId: z.string().min(1).max(100), waveId: z.string().min(1).max(100) }),
        response: { 201: dossierView, 200: dossierView },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const organisationId = caller.organisation!;
      const { callId, waveId } = request.body;
      const key = request.headers['idempotency-key'];
      const dossierId = draftIdFor(organisationId, key);
      const sameRequest = async () => {
        const existing = await store.get(dossierId);
        if (existing && (existing.callId !== callId || existing.waveId !== waveId)) {
          acceptedOrThrow({ outcome: 'refused', violations: [{ name: 'idempotency-key', detail: 'already used to start a dossier on another call or wave' }] }, 'dossier');
        }
        return existing;
      };

      const existing = key ? await sameRequest() : null;
      if (existing) return reply.status(200).send(toDossierView(existing));
      const [call, applicant] = await Promise.all([calls.get(callId), organisations.get(organisationId)]);
      const { state: draft } = acceptedOrThrow(startDraft({ dossierId, callId, waveId, organisationId, call, applicant, by: caller.userId }, new Date()), 'dossier');
      // The same Idempotency-Key raced with itself: the other request created it.
      if ((await store.insert(draft)) === 'exists') return reply.status(200).send(toDossierView((await sameRequest())!));
      return reply.status(201).send(toDossierView(draft));
    },
  );

  http.get(
    '/dossiers/:dossierId',
    {
      config: { access: { roles: ROLE_SETS.readers } },
      schema: {
        tags,
        summary: 'A dossier and its status',
        description: 'An applicant reads its own organisation’s dossiers; a reviewer only a submitted dossier assigned to it (404 otherwise, as for a missing one).',
        params: dossierParams,
        response: { 200: dossierView },
      },
    },
    async (request) => {
      // A lookup by _id, then the access compared in code (a second filter field would scan on FerretDB).
      return toDossierView(await readable(callerOf(request), request.params.dossierId));
    },
  );

  http.patch(
    '/dossiers/:dossierId/project',
    {
      config: { access: { roles: ['applicant'] } },
      schema: {
        tags,
        summary: 'Save project fields of a draft (only the fields sent change; saving the same again succeeds)',
        params: dossierParams,
        body: projectDraft.refine((p) => Object.keys(p).length > 0, 'send at least one field'),
        response: { 200: dossierView },
      },
    },
    async (request) => toDossierView(await change(callerOf(request), request.params.dossierId, (d) => editProject(d, request.body, new Date()))),
  );

  http.put(
    '/dossiers/:dossierId/budget',
    {
      config: { access: { roles: ['applicant'] } },
      schema: {
        tags,
        summary: 'Save the budget plan of a draft (amounts in euro cents; saving the same again succeeds)',
        params: dossierParams,
        body: budgetSection,
        response: { 200: dossierView },
      },
    },
    async (request) => toDossierView(await change(callerOf(request), request.params.dossierId, (d) => editBudget(d, request.body, new Date()))),
  );

  http.post(
    '/dossiers/:dossierId/submit',
    {
      config: { access: { roles: ['applicant'] } },
      schema: {
        tags,
        summary: 'Submit a draft: every rule of the call is checked; the receipt attests what was submitted',
        description: 'Send an Idempotency-Key: a retried request returns the same receipt and publishes nothing twice.',
        params: dossierParams,
        headers: idempotencyHeaders,
        response: { 200: receiptView },
      },
    },
    async (request) => toReceipt(await submitDossier(callerOf(request), request.params.dossierId, request.headers['idempotency-key'])),
  );

  http.post(
    '/dossiers/:dossierId/withdraw',
    {
      config: { access: { roles: ['applicant'] } },
      schema: {
        tags,
        summary: 'Withdraw a submitted dossier before a decision',
        params: dossierParams,
        body: z.object({ reason: z.string().max(2_000).optional() }).default({}),
        response: { 200: z.object({ dossierId: z.string(), status: z.literal('withdrawn') }) },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const withdrawn = await change(caller, request.params.dossierId, (d) => withdraw(d, { reason: request.body.reason, by: caller.userId }, new Date()));
      await store.releaseWavePlace(withdrawn);
      return { dossierId: withdrawn.dossierId, status: 'withdrawn' as const };
    },
  );

  http.post(
    '/dossiers/:dossierId/complements/:complementRequestId/answer',
    {
      config: { access: { roles: ['applicant'] } },
      schema: {
        tags,
        summary: 'Answer a request for complements and resubmit the dossier',
        params: dossierParams.extend({ complementRequestId: z.string().min(1).max(100) }),
        body: z.object({ answer: z.string().trim().min(1).max(20_000) }),
        response: { 200: receiptView },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const { complementRequestId } = request.params;
      const answered = await change(caller, request.params.dossierId, async (d) =>
        answerComplement(d, await submissionFacts(d, 0), { complementRequestId, answer: request.body.answer, by: caller.userId }, new Date()),
      );
      return toReceipt(answered);
    },
  );
}
