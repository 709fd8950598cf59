import { DossierAccepted, type CallSnapshot, type Decision, type EventData } from '@aap/contracts';
import { causedBy, PermanentHandlerError } from '@aap/messaging';
import type { CommandHandler, ServiceContext } from '@aap/service-runtime';
import type { Copies, DossierCopy } from '../copies';
import { awardIdOf, grantAward, type AwardState, type GrantAward } from './award';

/** The refusal of a decision taken on an event, as the dead-letter reason. */
export const refusalOf = (decision: Decision<unknown>): string | undefined =>
  decision.outcome === 'refused' ? decision.violations.map((v) => `${v.name}: ${v.detail}`).join('; ') : decision.outcome === 'wrong-status' ? decision.detail : undefined;

/** The grant of an accepted dossier, from the acceptance and the service's copies of the dossier as submitted and of its call. */
export function grantOf(accepted: EventData<typeof DossierAccepted>, dossier: DossierCopy, call: CallSnapshot): GrantAward {
  const { dossierId, number, callId, waveId, organisationId, grantCents, eligibleCostCents, at } = accepted;
  const { title, programme, budgetProgrammeLine, paymentSchedule } = call;
  return {
    awardId: awardIdOf(dossierId),
    dossier: { dossierId, number, callId, waveId, organisationId },
    grantCents,
    eligibleCostCents,
    beneficiaryKind: dossier.applicant.kind,
    beneficiary: { name: dossier.applicant.name, kind: dossier.applicant.kind, organisationId: dossier.organisationId },
    project: dossier.project,
    funding: { callTitle: title, programme, ...(budgetProgrammeLine ? { budgetProgrammeLine } : {}) },
    callSchedule: { advanceBps: paymentSchedule.advanceBps, interimCapBps: paymentSchedule.interimCapBps },
    notifiedAt: at,
  };
}

/**
 * The committee's decisions, from the evaluation service: an accepted dossier becomes its award,
 * through the command handler (one guarded write of the award and award.granted). Applied once: the
 * consumer skips an event id it has handled, and the award is keyed by its dossier, so the same
 * acceptance under another event id finds its award and changes nothing.
 *
 * The award names its beneficiary, project and call: an acceptance read before the service's copy of
 * the dossier or of the call (their events are on other topics) fails, to be retried until they are
 * there — never an award with holes.
 */
export function registerAwardHandlers(context: ServiceContext, commands: CommandHandler<AwardState>, copies: Copies): void {
  context.consumer.on(DossierAccepted, async (event) => {
    const { dossierId, callId } = event.data;
    const [dossier, call] = await Promise.all([copies.dossiers.forEvent(dossierId), copies.calls.forEvent(callId)]);
    const handled = await commands.handle(awardIdOf(dossierId), (existing) => grantAward(existing, grantOf(event.data, dossier, call), context.clock()), causedBy(event));
    const refusal = refusalOf(handled.decision);
    if (refusal) throw new PermanentHandlerError(refusal);
  });
}
