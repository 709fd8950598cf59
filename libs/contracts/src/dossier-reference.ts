import type { DossierReference, DossierSnapshot } from './events/dossiers';

/**
 * The dossier reference of any `dossier.*` event's data: the five fields are at the top of the data,
 * or inside the `dossier` snapshot (submitted, resubmitted), whose applicant holds the organisation.
 * `number` is absent only for a draft's event. Undefined for data that is not about one dossier.
 */
export function dossierReferenceOf(data: unknown): (Omit<DossierReference, 'number'> & { number?: string }) | undefined {
  const { dossier, ...top } = (data ?? {}) as Partial<DossierReference> & { dossier?: DossierSnapshot };
  if (dossier) {
    const { dossierId, number, callId, waveId, applicant } = dossier;
    return { dossierId, number, callId, waveId, organisationId: applicant.organisationId };
  }
  const { dossierId, number, callId, waveId, organisationId } = top;
  if (!dossierId || !callId || !waveId || !organisationId) return undefined;
  return { dossierId, callId, waveId, organisationId, ...(number ? { number } : {}) };
}
