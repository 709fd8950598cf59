import { Schema } from 'mongoose';
import { DossierResubmitted, DossierSubmitted, type ApplicantKind, type DossierSnapshot } from '@aap/contracts';
import { applyIfNotOlder, type ServiceContext } from '@aap/service-runtime';

/**
 * What funding-award keeps of each dossier as submitted (event-carried state transfer, no call to the
 * submission service): the beneficiary and the project an award names — the organisation, its name
 * and kind, the project's title and dates. Nothing personal (no contacts), no budget or attachments.
 *
 * Applied idempotently, never back in time: the copy holds the content of the latest submission
 * event (`asOf`, the event's instant), so a redelivered or late `dossier.submitted` never overwrites
 * the resubmission that followed it.
 */
export interface DossierCopy {
  dossierId: string;
  callId: string;
  organisationId: string;
  applicant: { name: string; kind: ApplicantKind };
  project: { title: string; startDate: string; endDate: string };
}

export interface DossierCopies {
  get(dossierId: string): Promise<DossierCopy | null>;
  /**
   * The dossier of a consumed event naming it: its `dossier.submitted` is on another topic and may
   * come later, so a missing copy fails the handling (retried, then parked) until it does.
   */
  forEvent(dossierId: string): Promise<DossierCopy>;
}

interface DossierCopyDocument extends Omit<DossierCopy, 'dossierId'> {
  _id: string;
  asOf: Date;
}

/** The part of a submitted dossier kept. */
export const dossierCopyOf = (dossier: DossierSnapshot): Omit<DossierCopy, 'dossierId'> => ({
  callId: dossier.callId,
  organisationId: dossier.applicant.organisationId,
  applicant: { name: dossier.applicant.name, kind: dossier.applicant.kind },
  project: { title: dossier.project.title, startDate: dossier.project.startDate, endDate: dossier.project.endDate },
});

export function registerDossierCopies(context: ServiceContext): DossierCopies {
  const schema = new Schema<DossierCopyDocument>({ _id: String, asOf: Date, callId: String, organisationId: String, applicant: Schema.Types.Mixed, project: Schema.Types.Mixed });
  // Declared with its lock: FerretDB updates by find-then-replace, and the write is guarded on asOf.
  const DossierCopyModel = context.model<DossierCopyDocument>('DossierCopy', schema, { collection: 'dossier_copies' });

  for (const definition of [DossierSubmitted, DossierResubmitted]) {
    context.consumer.on(definition, async (event) => void (await applyIfNotOlder(DossierCopyModel, event.data.dossierId, 'asOf', new Date(event.time), dossierCopyOf(event.data.dossier))));
  }

  const get = async (dossierId: string): Promise<DossierCopy | null> => {
    const doc = await DossierCopyModel.findById(dossierId).lean<DossierCopyDocument>();
    if (!doc) return null;
    const { _id, asOf: _asOf, ...copy } = doc;
    return { dossierId: _id, ...copy };
  };
  return {
    get,
    async forEvent(dossierId) {
      const copy = await get(dossierId);
      if (!copy) throw new Error(`no copy of dossier ${dossierId} yet`);
      return copy;
    },
  };
}
