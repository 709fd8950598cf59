import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { budgetSection } from '@aap/contracts';
import { callerOf, conflict, unprocessable } from '@aap/http';
import type { ServiceContext } from '@aap/service-runtime';
import type { DossierDependencies } from './index';
import { EDITABLE_STATUSES, projectDraft } from './dossier';
import type { DossierDocument } from './dossier.model';
import { DOSSIER_READERS, dossierParams, findDossierFor, findOwnDossier } from './dossier-access';
import { dossierView, toDossierView } from './views';

export const idempotencyHeaders = z.object({ 'idempotency-key': z.string().min(8).max(200).optional() });

/** A draft created with an Idempotency-Key gets an id derived from it: a retry finds the same draft. */
function draftIdFor(organisationId: string, key: string | undefined): string {
  if (!key) return randomUUID();
  const hex = createHash('sha256').update(`${organisationId}:${key}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function registerDraftRoutes(context: ServiceContext, { Dossier, calls, organisations }: DossierDependencies): void {
  const { http } = context;

  http.post(
    '/dossiers',
    {
      config: { access: { roles: ['applicant'] } },
      schema: {
        tags: ['dossiers'],
        summary: 'Start a draft dossier on a wave of a published call',
        headers: idempotencyHeaders,
        body: z.object({ callId: z.string().min(1), waveId: z.string().min(1) }),
        response: { 201: dossierView, 200: dossierView },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const organisationId = caller.organisation!;
      const { callId, waveId } = request.body;
      const key = request.headers['idempotency-key'];
      const dossierId = draftIdFor(organisationId, key);

      if (key) {
        const existing = await Dossier.findById(dossierId).lean<DossierDocument>();
        if (existing) {
          if (existing.callId !== callId || existing.waveId !== waveId) {
            throw unprocessable('This Idempotency-Key was used for another request', [
              { name: 'idempotency-key', in: 'headers', detail: 'already used to start a dossier on another call or wave' },
            ]);
          }
          return reply.status(200).send(toDossierView(existing));
        }
      }

      const [call, applicant] = await Promise.all([calls.get(callId), organisations.get(organisationId)]);
      const problems = [];
      if (!call || call.status === 'draft' || call.status === 'unpublished') problems.push({ name: 'callId', in: 'body' as const, detail: `no published call ${callId}` });
      else if (!call.waves.some((w) => w.waveId === waveId)) problems.push({ name: 'waveId', in: 'body' as const, detail: `the call has no wave ${waveId}` });
      if (!applicant) problems.push({ name: 'applicant-registered', in: 'rule' as const, detail: 'register the organisation first (POST /organisations)' });
      if (problems.length > 0) throw unprocessable('The draft cannot be started', problems);

      const now = new Date();
      try {
        const created = await Dossier.create({
          _id: dossierId,
          callId,
          waveId,
          organisationId,
          applicant: applicant!,
          status: 'draft',
          project: {},
          budget: {},
          history: [{ status: 'draft', at: now, by: caller.userId }],
          createdBy: caller.userId,
          createdAt: now,
          updatedAt: now,
          version: 1,
        });
        return reply.status(201).send(toDossierView(created.toObject()));
      } catch (error) {
        // The same Idempotency-Key raced with itself: the other request created it.
        if ((error as { code?: number }).code === 11000 && key) {
          return reply.status(200).send(toDossierView((await Dossier.findById(dossierId).lean<DossierDocument>())!));
        }
        throw error;
      }
    },
  );

  http.get(
    '/dossiers/:dossierId',
    {
      config: { access: { roles: DOSSIER_READERS } },
      schema: { tags: ['dossiers'], summary: 'A dossier and its status', params: dossierParams, response: { 200: dossierView } },
    },
    async (request) => toDossierView(await findDossierFor(Dossier, callerOf(request), request.params.dossierId)),
  );

  /** Saves one part of an editable dossier with a guarded write (status and version unchanged since read). */
  async function savePart(dossierId: string, organisationId: string, update: Record<string, unknown>) {
    const dossier = await findOwnDossier(Dossier, organisationId, dossierId);
    if (!EDITABLE_STATUSES.includes(dossier.status)) {
      throw conflict(`the dossier is ${dossier.status}: only a draft or a dossier awaiting complements can be changed`);
    }
    const result = await Dossier.updateOne(
      { _id: dossierId, version: dossier.version, status: { $in: EDITABLE_STATUSES } },
      { $set: { ...update, updatedAt: new Date() }, $inc: { version: 1 } },
    );
    if (result.matchedCount === 0) throw conflict('the dossier changed meanwhile: reload it and try again');
    return toDossierView((await Dossier.findById(dossierId).lean<DossierDocument>())!);
  }

  http.patch(
    '/dossiers/:dossierId/project',
    {
      config: { access: { roles: ['applicant'] } },
      schema: {
        tags: ['dossiers'],
        summary: 'Save project fields of a draft (only the fields sent change)',
        params: dossierParams,
        body: projectDraft.refine((p) => Object.keys(p).length > 0, 'send at least one field'),
        response: { 200: dossierView },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const fields = Object.fromEntries(Object.entries(request.body).map(([field, value]) => [`project.${field}`, value]));
      return savePart(request.params.dossierId, caller.organisation!, fields);
    },
  );

  http.put(
    '/dossiers/:dossierId/budget',
    {
      config: { access: { roles: ['applicant'] } },
      schema: {
        tags: ['dossiers'],
        summary: 'Save the budget plan of a draft (amounts in euro cents)',
        params: dossierParams,
        body: budgetSection,
        response: { 200: dossierView },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      return savePart(request.params.dossierId, caller.organisation!, { budget: request.body });
    },
  );
}
