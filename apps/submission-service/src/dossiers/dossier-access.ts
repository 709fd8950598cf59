import { z } from 'zod';
import { applicantScope, notFound, type Caller } from '@aap/http';
import type { DossierDocument, DossierModel } from './dossier.model';

/** Staff roles that may read any dossier. */
export const DOSSIER_READERS = ['applicant', 'programme-manager', 'reviewer', 'committee', 'finance', 'admin'] as const;

/**
 * The dossier if the caller may see it. An applicant only ever reaches its own organisation's
 * dossiers: another's answers 404, exactly like a dossier that does not exist (nothing leaks).
 */
export async function findDossierFor(Dossier: DossierModel, caller: Caller, dossierId: string): Promise<DossierDocument> {
  const scope = applicantScope(caller);
  const dossier = await Dossier.findOne({ _id: dossierId, ...(scope ? { organisationId: scope } : {}) }).lean<DossierDocument>();
  if (!dossier) throw notFound(`Dossier ${dossierId}`);
  return dossier;
}

/** The dossier of the caller's own organisation (routes only applicants may call: changes). */
export async function findOwnDossier(Dossier: DossierModel, organisationId: string, dossierId: string): Promise<DossierDocument> {
  const dossier = await Dossier.findOne({ _id: dossierId, organisationId }).lean<DossierDocument>();
  if (!dossier) throw notFound(`Dossier ${dossierId}`);
  return dossier;
}

export const dossierParams = z.object({ dossierId: z.string().min(1).max(100) });
