import { z } from 'zod';
import { applicantSnapshot, budgetSection, dossierStatus } from '@aap/contracts';
import { projectDraft, type Dossier } from './dossier';

export const receiptView = z.object({
  dossierId: z.string(),
  number: z.string(),
  submittedAt: z.string(),
  /** SHA-256 of the canonical JSON of the submitted project, budget and attachments. */
  contentHash: z.string(),
});
export type Receipt = z.infer<typeof receiptView>;

export const dossierView = z.object({
  dossierId: z.string(),
  number: z.string().optional(),
  callId: z.string(),
  waveId: z.string(),
  organisationId: z.string(),
  status: dossierStatus,
  project: projectDraft,
  budget: budgetSection.partial(),
  applicant: applicantSnapshot.optional(),
  submittedAt: z.string().optional(),
  contentHash: z.string().optional(),
  complementRequests: z.array(
    z.object({
      complementRequestId: z.string(),
      message: z.string(),
      dueDate: z.string().optional(),
      requestedAt: z.string(),
      answeredAt: z.string().optional(),
      answer: z.string().optional(),
    }),
  ),
  decision: z.object({ kind: z.string(), motivation: z.string(), grantCents: z.number().int().optional(), at: z.string() }).optional(),
  history: z.array(z.object({ status: dossierStatus, at: z.string(), note: z.string().optional() })),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type DossierView = z.infer<typeof dossierView>;

const iso = (date: Date | string) => new Date(date).toISOString();
const defined = <T extends object>(value: T) => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

export function toDossierView(d: Dossier): DossierView {
  return defined({
    dossierId: d.dossierId,
    number: d.number,
    callId: d.callId,
    waveId: d.waveId,
    organisationId: d.organisationId,
    status: d.status,
    project: d.project ?? {},
    budget: d.budget ?? {},
    applicant: d.applicant,
    submittedAt: d.submittedAt && iso(d.submittedAt),
    contentHash: d.contentHash,
    complementRequests: (d.complementRequests ?? []).map((r) =>
      defined({ ...r, requestedAt: iso(r.requestedAt), answeredAt: r.answeredAt && iso(r.answeredAt) }),
    ),
    decision: d.decision ? defined({ ...d.decision, at: iso(d.decision.at) }) : undefined,
    // Who acted stays internal (reviewer identities are not shown to applicants).
    history: (d.history ?? []).map((h) => defined({ status: h.status, at: iso(h.at), note: h.note })),
    createdAt: iso(d.createdAt),
    updatedAt: iso(d.updatedAt),
  });
}

export function toReceipt(d: Dossier): Receipt {
  return { dossierId: d.dossierId, number: d.number!, submittedAt: iso(d.submittedAt!), contentHash: d.contentHash! };
}
