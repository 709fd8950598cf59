import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { accepted, budgetSection, refused, type ApplicantSnapshot, type CallSnapshot, type TeamRole } from '@aap/contracts';
import { applicantScope, callerOf, notFound, policies, ROLE_SETS, type Caller, COMMAND_REFUSALS } from '@aap/http';
import { acceptedOrThrow, type ServiceContext } from '@aap/service-runtime';
import {
  answerComplement,
  editBudget,
  editProject,
  projectDraft,
  startDraft,
  withdraw,
  type Dossier,
  type DossierDecision,
  type SubmissionFacts,
} from './dossier';
import type { DossierStore } from './dossier.store';
import { dossierView, receiptView, toDossierView, toReceipt } from './dossier.views';
import type { ReceiptNumbers } from './receipt-numbers';
import { submissionProcess } from './submission-process';
import type { WavePlacesStore } from './wave-places.store';

/** What the dossier slice reads of the other slices of the service (their ports: no import of their files). */
export interface DossierPorts {
  calls: {
    get(callId: string): Promise<CallSnapshot | null>;
    published(): Promise<CallSnapshot[]>;
    /** The ids of the calls `member` is on the team of under one of `roles` (a staff caller's dossier list). */
    idsOnTeam(member: string, roles: readonly TeamRole[]): Promise<string[]>;
  };
  organisations: { get(organisationId: string): Promise<ApplicantSnapshot | null> };
  /** Whether a reviewer holds an active assignment on a dossier (the reviewer-access slice). */
  reviewers: { assigned(dossierId: string, reviewerId: string): Promise<boolean> };
}

/**
 * The dossier if the caller may read it (`policies.readableDossier`: the owning organisation, an
 * assigned reviewer, and the oversight roles — staff of the dossier's call's team only,
 * `policies.onCallTeam`), else the 404 of a dossier that does not exist. Every read of a dossier or
 * its attachments goes through it.
 */
export function dossierReader(store: Pick<DossierStore, 'get'>, { calls, reviewers }: Pick<DossierPorts, 'calls' | 'reviewers'>) {
  return async (caller: Caller, dossierId: string): Promise<Dossier> => {
    const dossier = await store.get(dossierId);
    const what = `Dossier ${dossierId}`;
    const assigned = () => reviewers.assigned(dossierId, caller.userId);
    await policies.readableDossier(caller, dossier, what, assigned);
    // An oversight role passed: it reads as staff of the dossier's call, unless it is also a reviewer assigned to the dossier.
    if (applicantScope(caller) === undefined && !(caller.roles.includes('reviewer') && dossier!.status !== 'draft' && (await assigned()))) {
      policies.onCallTeam(caller, await calls.get(dossier!.callId), what);
    }
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

/** What the dossier routes use besides the dossiers' store: the per-wave places and the receipt numbers (the submit's process). */
export interface SubmissionStores {
  places: WavePlacesStore;
  numbers: ReceiptNumbers;
}

export function registerDossierRoutes(context: ServiceContext, store: DossierStore, { calls, organisations, reviewers }: DossierPorts, { places, numbers }: SubmissionStores): void {
  const { http } = context;
  const readable = dossierReader(store, { calls, reviewers });

  /** Changes are made by the dossier's own organisation only (`act-as`: even a token that also carries a staff role); another's answers 404, like one that does not exist. */
  const ownedBy = (caller: Caller, dossier: Dossier | null, dossierId: string): Dossier => {
    policies.ownOrganisation(caller, dossier?.organisationId, `Dossier ${dossierId}`, 'act-as');
    return dossier!;
  };

  /** Decides on the caller's own dossier through the command handler; a refusal is its problem, the answer the dossier as stored. */
  async function change(caller: Caller, dossierId: string, decide: (dossier: Dossier) => DossierDecision | Promise<DossierDecision>): Promise<Dossier> {
    const handled = await store.commands.handleExisting(dossierId, (dossier) => decide(ownedBy(caller, dossier, dossierId)));
    if (!handled) throw notFound(`Dossier ${dossierId}`);
    acceptedOrThrow(handled.decision, 'dossier');
    return handled.after!;
  }

  async function submissionFacts(dossier: Dossier, otherActiveDossiersInWave: number): Promise<SubmissionFacts> {
    const [call, applicant] = await Promise.all([calls.get(dossier.callId), organisations.get(dossier.organisationId)]);
    if (!call) throw notFound(`Call ${dossier.callId}`);
    return { call, applicant, otherActiveDossiersInWave };
  }
  const submitDossier = submissionProcess({ dossiers: store, places, numbers, factsOf: submissionFacts, logger: context.logger });

  http.post(
    '/dossiers',
    {
      config: { access: { roles: ['applicant'] }, problems: COMMAND_REFUSALS },
      schema: {
        operationId: 'createDossier',
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
      const sameRequest = (existing: Dossier): DossierDecision =>
        existing.callId === callId && existing.waveId === waveId
          ? accepted(existing)
          : refused([{ name: 'idempotency-key', detail: 'already used to start a dossier on another call or wave' }]);

      // One insert (the id is new, or derived from the Idempotency-Key: its `_id` is the key's unique index). A draft
      // already made with this key (a retry, or the same key racing with itself) is then read and answered as it is.
      const handled = await store.commands.handleNew(dossierId, async (existing) => {
        if (existing) return sameRequest(existing);
        const [call, applicant] = await Promise.all([calls.get(callId), organisations.get(organisationId)]);
        return startDraft({ dossierId, callId, waveId, organisationId, call, applicant, by: caller.userId }, new Date());
      });
      acceptedOrThrow(handled.decision, 'dossier');
      return reply.status(handled.written ? 201 : 200).send(toDossierView(handled.after!));
    },
  );

  http.get(
    '/dossiers/:dossierId',
    {
      config: { access: { roles: ROLE_SETS.readers } },
      schema: {
        operationId: 'getDossier',
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
      config: { access: { roles: ['applicant'] }, problems: COMMAND_REFUSALS },
      schema: {
        operationId: 'updateDossierProject',
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
      config: { access: { roles: ['applicant'] }, problems: COMMAND_REFUSALS },
      schema: {
        operationId: 'replaceDossierBudget',
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
      config: { access: { roles: ['applicant'] }, problems: COMMAND_REFUSALS },
      schema: {
        operationId: 'submitDossier',
        tags,
        summary: 'Submit a draft: every rule of the call is checked; the receipt attests what was submitted',
        description: 'Send an Idempotency-Key: a retried request returns the same receipt and publishes nothing twice.',
        params: dossierParams,
        headers: idempotencyHeaders,
        response: { 200: receiptView },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const { dossierId } = request.params;
      const command = { dossierId, idempotencyKey: request.headers['idempotency-key'], by: caller.userId };
      return toReceipt(await submitDossier(command, (dossier) => ownedBy(caller, dossier, dossierId)));
    },
  );

  http.post(
    '/dossiers/:dossierId/withdraw',
    {
      config: { access: { roles: ['applicant'] }, problems: COMMAND_REFUSALS },
      schema: {
        operationId: 'withdrawDossier',
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
      // Tidying only: a withdrawn dossier's claim stopped counting with its status.
      await places.release(withdrawn).catch((error: unknown) => request.log.warn({ err: error, dossierId: withdrawn.dossierId }, 'could not give back the wave place of a withdrawn dossier'));
      return { dossierId: withdrawn.dossierId, status: 'withdrawn' as const };
    },
  );

  http.post(
    '/dossiers/:dossierId/complements/:complementRequestId/answer',
    {
      config: { access: { roles: ['applicant'] }, problems: COMMAND_REFUSALS },
      schema: {
        operationId: 'answerComplementRequest',
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
