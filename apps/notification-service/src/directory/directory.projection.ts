import { Schema, type Model } from 'mongoose';
import {
  dossierEvents,
  dossierFactOf,
  DOSSIER_TRANSITIONS,
  OrganisationContactsUpdated,
  OrganisationRegistered,
  type ApplicantSnapshot,
  type DossierEventReference,
  type DossierSnapshot,
  type DossierStatus,
} from '@aap/contracts';
import { applyIfNotOlder, type ServiceContext } from '@aap/service-runtime';

/**
 * The organisation directory: this service's own copy of what it needs to address and word a
 * message (event-carried state transfer, no call to another service):
 * - organisations and their contacts, from organisation.* events only (dossier events carry the
 *   applicant without contacts: an e-mail waits, retried, until its organisation's event is here);
 * - dossiers → organisation, number, call, title and status, from the dossier reference every
 *   dossier.* event carries and the lifecycle table of libs/contracts.
 * The calls are the shared call copy's (`@aap/service-runtime/call-copies`, registered in service.ts).
 *
 * Topics are consumed concurrently, so events of different aggregates may arrive in any order and
 * a redelivered old event may come after a newer one: every write is guarded by the time of the
 * event it applies, and never goes back in time.
 */
export interface Contact {
  name: string;
  email: string;
  role?: string;
}

export interface OrganisationEntry {
  _id: string;
  name: string;
  kind?: string;
  contacts: Contact[];
  /** Time of the organisation event applied. */
  asOf: Date;
}

export interface DossierEntry {
  _id: string;
  organisationId?: string;
  number?: string;
  callId: string;
  waveId?: string;
  title?: string;
  status?: DossierStatus;
  /** `status` is one of OPEN_DOSSIER_STATUSES, written with it: what a call event looks dossiers up by (an equality). */
  open?: boolean;
  statusAsOf?: Date;
}

/** A dossier is still in play on its call: its organisation hears about the call closing or moving. */
export const OPEN_DOSSIER_STATUSES: readonly DossierStatus[] = ['draft', 'submitted', 'under-review', 'complement-requested', 'waitlisted'];

export class Directory {
  constructor(
    readonly organisations: Model<OrganisationEntry>,
    readonly dossiers: Model<DossierEntry>,
  ) {}

  organisation(organisationId: string): Promise<OrganisationEntry | null> {
    return this.organisations.findById(organisationId).lean<OrganisationEntry>();
  }

  dossier(dossierId: string): Promise<DossierEntry | null> {
    return this.dossiers.findById(dossierId).lean<DossierEntry>();
  }

  /** Dossiers of a call still in play (draft or active), by organisation then id. */
  async openDossiersOn(callId: string): Promise<DossierEntry[]> {
    // Equalities on the indexed {callId, open}; filtered and sorted here (a call's open dossiers are few).
    const open = await this.dossiers.find({ callId, open: true }).lean<DossierEntry[]>();
    return open.filter((dossier) => dossier.organisationId).sort((a, b) => (a.organisationId ?? '').localeCompare(b.organisationId ?? '') || a._id.localeCompare(b._id));
  }
}

function models(context: ServiceContext) {
  const contact = new Schema<Contact>({ name: String, email: String, role: String }, { _id: false });
  const organisations = context.db.model<OrganisationEntry>(
    'DirectoryOrganisation',
    new Schema<OrganisationEntry>(
      { _id: String, name: String, kind: String, contacts: [contact], asOf: Date },
      { collection: 'directory_organisations', versionKey: false },
    ),
  );
  const dossierSchema = new Schema<DossierEntry>(
    { _id: String, organisationId: String, number: String, callId: String, waveId: String, title: String, status: String, open: Boolean, statusAsOf: Date },
    { collection: 'directory_dossiers', versionKey: false },
  );
  dossierSchema.index({ callId: 1, open: 1 });
  // With the per-document lock (context.model): an entry is written by the events of two topics (the
  // submission's and the evaluation's dossier facts, consumed side by side), and FerretDB's
  // find-then-replace would let one write undo the other (a status put back by a title's $set).
  const dossiers = context.model<DossierEntry>('DirectoryDossier', dossierSchema, { collection: 'directory_dossiers' });
  return { organisations, dossiers };
}

/**
 * Gives dossier entries written before the `open` flag their value, once, at start-up (a scan,
 * before the consumer starts: off every hot path).
 */
export async function upgradeDirectory(directory: Directory): Promise<void> {
  await directory.dossiers.updateMany({ open: { $exists: false }, status: { $in: OPEN_DOSSIER_STATUSES } }, { $set: { open: true } });
  await directory.dossiers.updateMany({ open: { $exists: false } }, { $set: { open: false } });
}

export function registerDirectory(context: ServiceContext): Directory {
  const { organisations, dossiers } = models(context);
  const directory = new Directory(organisations, dossiers);
  const { consumer } = context;

  // ── organisations ────────────────────────────────────────────────────────────────────────────
  const applyOrganisation = (organisation: ApplicantSnapshot, asOf: Date) =>
    applyIfNotOlder(organisations, organisation.organisationId, 'asOf', asOf, {
      name: organisation.name,
      kind: organisation.kind,
      contacts: organisation.contacts.map(({ name, email, role }) => ({ name, email, ...(role ? { role } : {}) })),
    });
  for (const definition of [OrganisationRegistered, OrganisationContactsUpdated]) {
    consumer.on(definition, async (event) => void (await applyOrganisation(event.data.organisation, new Date(event.time))));
  }

  // ── dossiers: every dossier event carries the dossier reference; its status is the lifecycle's ──
  for (const definition of dossierEvents) {
    consumer.on(definition, async (event) => {
      const fact = dossierFactOf(event.type);
      // A draft's own event (its reminder) moves nothing: the dossier is still a draft.
      const status: DossierStatus = fact ? DOSSIER_TRANSITIONS[fact].to : 'draft';
      const { dossier, title } = event.data as { dossier?: DossierSnapshot; title?: string };
      const { dossierId, number, callId, waveId, organisationId } = event.data as DossierEventReference;
      // A draft's event has no number (null): it never erases the number a later event brought.
      const known = { callId, waveId, organisationId, ...(number ? { number } : {}), ...(dossier ? { title: dossier.project.title } : title ? { title } : {}) };
      // One write when the event is not older than the entry; an older one still brings what it knows (number, title).
      const applied = await applyIfNotOlder(dossiers, dossierId, 'statusAsOf', new Date(event.time), { ...known, status, open: OPEN_DOSSIER_STATUSES.includes(status) });
      if (!applied) await dossiers.updateOne({ _id: dossierId }, { $set: known }, { upsert: true });
    });
  }

  return directory;
}
