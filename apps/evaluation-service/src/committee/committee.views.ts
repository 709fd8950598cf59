import { z } from 'zod';
import { paginated } from '@aap/http';
import type { DecisionKind } from '../evaluations';
import { evaluationHeader } from '../evaluations/evaluation.views';

/** Response schemas of the committee's routes (ranked list, decisions). */

export const decisionView = z.object({
  kind: z.enum(['approved', 'rejected', 'waitlisted'] as const satisfies readonly DecisionKind[]),
  grantCents: z.number().int().optional(),
  motivation: z.string(),
  rank: z.number().int().optional().describe('Position on the reserve list when waitlisted'),
  decidedBy: z.string(),
  decidedAt: z.string(),
  reopenedBy: z.string().optional(),
  reopenedAt: z.string().optional(),
  reopenMotivation: z.string().optional(),
});

export const envelopeView = z.object({
  envelopeCents: z.number().int(),
  committedCents: z.number().int().describe("Reserved by the call's approved dossiers (every wave)"),
  remainingCents: z.number().int(),
  proposedCents: z.number().int().describe('What the proposal would add to the committed amount'),
});

export const promotionView = z.object({
  dossierId: z.string(),
  number: z.string(),
  waveId: z.string(),
  proposedGrantCents: z.number().int(),
  freedCents: z.number().int(),
  freedBy: z.string(),
  remainingEnvelopeCents: z.number().int(),
  at: z.string(),
});

export const rankedRow = z.object({
  position: z.number().int(),
  rank: z.number().int().nullable(),
  dossierId: z.string(),
  number: z.string(),
  applicant: z.string(),
  organisationId: z.string(),
  title: z.string(),
  rawScore: z.number(),
  normalisedScore: z.number(),
  rankedBy: z.enum(['normalised', 'raw']),
  reviewCount: z.number().int(),
  disagreement: z.boolean(),
  flags: z.array(z.string()),
  requestedGrantCents: z.number().int(),
  capCents: z.number().int(),
  fundable: z.boolean(),
  proposal: z.enum(['approve', 'waitlist', 'reject']),
  proposedGrantCents: z.number().int(),
  remainingCents: z.number().int().nullable().describe("The call's remaining envelope after this row's proposal (running budget)"),
  eliminated: z.boolean(),
  reasons: z.array(z.string()),
  decision: decisionView.nullable(),
  promotionProposed: z.boolean(),
});

export const rankedListView = paginated(rankedRow).extend({
  callId: z.string(),
  waveId: z.string(),
  rankBy: z.enum(['normalised', 'raw']),
  tieBreak: z.string(),
  envelope: envelopeView,
  rankedCount: z.number().int(),
  eliminatedCount: z.number().int(),
  promotions: z.array(promotionView).describe('Pending promotion proposals of the call: money came back, the best waitlisted dossier that fits'),
});

export const decidedView = evaluationHeader.extend({
  decision: decisionView.nullable(),
  decisions: z.array(decisionView),
  envelope: envelopeView.omit({ proposedCents: true }),
});
