import { z } from 'zod';
import { notFound } from '@aap/http';
import type { ServiceContext } from '@aap/service-runtime';
import { REBUILD_SOURCES, REBUILD_STATES, type DossierIndexRebuilds } from './dossier-index.rebuild';

const tags = ['dossier-index'];

export const dossierIndexRebuildRequest = z.object({
  from: z.enum(REBUILD_SOURCES).describe('`topic`: the dossier topics replayed from their start; `dossiers`: the dossiers collection walked'),
});
export const dossierIndexRebuildStarted = z.object({ rebuildId: z.string() });
export const dossierIndexRebuildView = z.object({
  rebuildId: z.string(),
  from: z.enum(REBUILD_SOURCES),
  state: z.enum(REBUILD_STATES),
  /** Rows rewritten so far. */
  rows: z.number().int().nonnegative(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  /** Why it failed. */
  detail: z.string().optional(),
});

/** The staff lists' index rebuilt on demand (an operator after a repair, the bench after seeding the collection). */
export function registerDossierIndexRebuildRoutes(context: ServiceContext, rebuilds: DossierIndexRebuilds): void {
  const { http } = context;

  http.post(
    '/admin/dossier-index/rebuild',
    {
      config: { access: { roles: ['admin'] } },
      schema: {
        operationId: 'startDossierIndexRebuild',
        tags,
        summary: 'Rebuild the staff lists’ index, in the background, from the dossier topics or the dossiers collection',
        body: dossierIndexRebuildRequest,
        response: { 202: dossierIndexRebuildStarted },
      },
    },
    async (request, reply) => reply.status(202).send({ rebuildId: await rebuilds.start(request.body.from) }),
  );

  http.get(
    '/admin/dossier-index/rebuild/:rebuildId',
    {
      config: { access: { roles: ['admin'] } },
      schema: {
        operationId: 'getDossierIndexRebuild',
        tags,
        summary: 'Where a rebuild of the staff lists’ index stands (any instance answers)',
        params: z.object({ rebuildId: z.string().min(1).max(100) }),
        response: { 200: dossierIndexRebuildView },
      },
    },
    async (request) => {
      const rebuild = await rebuilds.get(request.params.rebuildId);
      if (!rebuild) throw notFound(`Rebuild ${request.params.rebuildId}`);
      return rebuild;
    },
  );
}
