import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CommitteePromotionProposed } from '@aap/contracts';
import { decider, thenOf } from '@aap/test-harness/decider-spec';
import {
  awardReleaseId,
  bestWaitlistedThatFits,
  heldBy,
  openingEnvelope,
  release,
  releaseAndPropose,
  remainingCents,
  reserve,
  returnAwardRelease,
  settleApproval,
  settleRelease,
  startApproval,
  startRelease,
  unfinished,
  type ApprovalInProgress,
  type AwardRelease,
  type EnvelopeState,
  type PromotionProposal,
  type ReleaseInProgress,
  type WaitlistedCandidate,
} from './envelope';

const NOW = new Date('2026-06-01T10:00:00Z');
const envelope = (reservations: Record<string, number> = {}, promotions: PromotionProposal[] = [], envelopeCents = 1_000, approvals: ApprovalInProgress[] = [], releases: ReleaseInProgress[] = []): EnvelopeState => ({
  callId: 'call-1',
  envelopeCents,
  reservedCents: Object.values(reservations).reduce((a, b) => a + b, 0),
  reservations,
  promotions,
  approvals,
  releases,
  returned: [],
  version: 4,
});
const waiting = (dossierId: string, capCents: number, fundable = true): WaitlistedCandidate => ({ dossierId, number: `N-${dossierId}`, waveId: 'vague-1', capCents, fundable });
const approval = (dossierId: string, grantCents: number, at = NOW): ApprovalInProgress => ({ dossierId, grantCents, by: 'committee-1', at });
const pendingProposal = (dossierId = 'c'): PromotionProposal => ({ dossierId, number: `N-${dossierId}`, waveId: 'vague-1', proposedGrantCents: 500, freedCents: 600, freedBy: 'x', remainingEnvelopeCents: 600, at: NOW });

describe('reserve', () => {
  const spec = decider(reserve);

  it('given room on the envelope, when a dossier is reserved, then its amount is held (the version is the store’s to move)', () => {
    spec.given(envelope({ a: 300 })).when('b', 500).then().thenState({ ...envelope({ a: 300, b: 500 }), version: 4 });
  });

  it('given a dossier already holding money, when reserved again with another amount, then its amount is replaced, not added', () => {
    spec.given(envelope({ a: 300, b: 500 })).when('b', 700).thenState({ reservedCents: 1_000, reservations: { a: 300, b: 700 } });
  });

  it('given the same amount reserved twice, when reserved again, then nothing happens (nothing to write)', () => {
    spec.given(envelope({ a: 300 })).when('a', 300).thenNothingHappens();
  });

  it('given too little left, when reserved, then envelope-exceeded names the remaining and the asked amounts', () => {
    const { decision } = spec.given(envelope({ a: 700 })).when('b', 400).thenRefused('envelope-exceeded');
    expect(decision).toEqual({ outcome: 'refused', violations: [{ name: 'envelope-exceeded', detail: "the call's envelope has 300 cents left; 400 cents asked for dossier b" }] });
  });

  it('given exactly what is left, when reserved, then it fits', () => {
    spec.given(envelope({ a: 700 })).when('b', 300).thenState({ reservedCents: 1_000 });
  });

  it('given a zero or fractional amount, when reserved, then it is refused', () => {
    spec.given(envelope()).when('a', 0).thenRefused('grant-amount');
    spec.given(envelope()).when('a', 10.5).thenRefused('grant-amount');
  });
});

describe('release', () => {
  const spec = decider(release);

  it('given a dossier holding money, when released, then the money is back', () => {
    const { decision } = spec.given(envelope({ a: 300, b: 500 })).when('a').then().thenState({ reservedCents: 500, reservations: { b: 500 }, version: 4 });
    expect(decision.outcome === 'accepted' && remainingCents(decision.state)).toBe(500);
  });

  it('given a dossier holding nothing, when released, then nothing happens', () => {
    spec.given(envelope({ a: 300 })).when('z').thenNothingHappens();
  });

  it('given a dossier holding money, when part of it is released, then only that part comes back; never more than it holds', () => {
    spec.given(envelope({ a: 600, b: 400 })).when('a', 200).thenState({ reservedCents: 800, reservations: { a: 400, b: 400 } });
    spec.given(envelope({ a: 600, b: 400 })).when('a', 900).thenState({ reservedCents: 400, reservations: { b: 400 } });
  });

  it('given a dossier id named like an Object property, when looked up, then it holds nothing', () => {
    expect(heldBy(envelope(), 'toString')).toBe(0);
    spec.given(envelope()).when('constructor').thenState({ reservedCents: 0 });
  });
});

describe('envelope invariant — property', () => {
  const command = fc.oneof(
    fc.record({ kind: fc.constant('reserve' as const), dossierId: fc.constantFrom('a', 'b', 'c', 'd', 'e'), cents: fc.integer({ min: 1, max: 600 }) }),
    fc.record({ kind: fc.constant('release' as const), dossierId: fc.constantFrom('a', 'b', 'c', 'd', 'e') }),
    fc.record({ kind: fc.constant('approve' as const), dossierId: fc.constantFrom('a', 'b', 'c', 'd', 'e'), cents: fc.integer({ min: 1, max: 600 }), recorded: fc.boolean() }),
  );

  it('given any sequence of reserve, release and approvals (started, then settled recorded or not), when applied, then reservedCents = Σ reservations ≤ envelope after every step', () => {
    fc.assert(
      fc.property(fc.nat(2_000), fc.array(command, { maxLength: 60 }), (envelopeCents, commands) => {
        let state = openingEnvelope('call-1', envelopeCents);
        const check = () => {
          const sum = Object.values(state.reservations).reduce((a, b) => a + b, 0);
          expect(state.reservedCents).toBe(sum);
          expect(state.reservedCents).toBeLessThanOrEqual(state.envelopeCents);
          expect(Object.values(state.reservations).every((cents) => Number.isInteger(cents) && cents > 0)).toBe(true);
        };
        for (const c of commands) {
          if (c.kind === 'approve') {
            const started = startApproval(state, approval(c.dossierId, c.cents));
            if (started.outcome !== 'accepted') continue;
            state = started.state;
            check();
            const settled = settleApproval(state, approval(c.dossierId, c.cents), c.recorded ? c.cents : 0);
            if (settled.outcome === 'accepted') state = settled.state;
            expect(state.approvals).toEqual([]);
          } else {
            const decision = c.kind === 'reserve' ? reserve(state, c.dossierId, c.cents) : release(state, c.dossierId);
            if (decision.outcome === 'accepted') state = decision.state;
            else expect(decision.outcome === 'refused' && decision.violations[0]!.name).toBe('envelope-exceeded');
          }
          check();
        }
      }),
    );
  });
});

describe('startApproval (step 1 of an approval)', () => {
  const spec = decider(startApproval);

  it('given room on the envelope, when an approval starts, then its grant is held and the approval is in progress, in one state', () => {
    spec.given(envelope({ a: 300 })).when(approval('b', 500)).then().thenState({ reservedCents: 800, reservations: { a: 300, b: 500 }, approvals: [approval('b', 500)] });
  });

  it('given too little left, when an approval starts, then envelope-exceeded and nothing is in progress', () => {
    spec.given(envelope({ a: 700 })).when(approval('b', 400)).thenRefused('envelope-exceeded');
  });

  it('given a dossier holding more than asked, when an approval starts, then what it holds is not lowered before the decision', () => {
    spec.given(envelope({ b: 600 })).when(approval('b', 400)).thenState({ reservations: { b: 600 }, approvals: [approval('b', 400)] });
  });

  it('given another approval of the dossier in progress, when one starts, then it does not apply (409)', () => {
    spec.given(envelope({ b: 500 }, [], 1_000, [approval('b', 500, new Date('2026-06-01T09:59:00Z'))])).when(approval('b', 500)).thenWrongStatus('approval-in-progress');
  });

  it('given the same approval already started (a retry), when it starts again, then nothing happens', () => {
    spec.given(envelope({ b: 500 }, [], 1_000, [approval('b', 500)])).when(approval('b', 500)).thenNothingHappens();
  });

  it('given a pending promotion proposal of the dossier, when its approval starts, then the proposal ends', () => {
    spec.given(envelope({}, [pendingProposal('b')])).when(approval('b', 500)).thenState({ promotions: [] });
  });
});

describe('settleApproval (step 3 of an approval)', () => {
  const spec = decider(settleApproval);
  const inProgress = (held: number) => envelope({ a: 300, b: held }, [], 1_000, [approval('b', 400)]);

  it('given the approval recorded on the evaluation, when settled, then the dossier holds exactly its grant and nothing is in progress', () => {
    spec.given(inProgress(600)).when(approval('b', 400), 400).then().thenState({ reservedCents: 700, reservations: { a: 300, b: 400 }, approvals: [] });
  });

  it('given the approval refused or lost on the evaluation, when settled, then its hold is given back', () => {
    spec.given(inProgress(400)).when(approval('b', 400), 0).thenState({ reservedCents: 300, reservations: { a: 300 }, approvals: [] });
  });

  it('given an approval already settled (a resumed one), when settled again, then nothing happens', () => {
    spec.given(envelope({ a: 300, b: 400 })).when(approval('b', 400), 400).thenNothingHappens();
  });
});

describe('unfinished', () => {
  it('given approvals in progress, when the sweep looks, then only those older than the delay are unfinished', () => {
    const old = approval('a', 100, new Date(NOW.getTime() - 61_000));
    const recent = approval('b', 100, new Date(NOW.getTime() - 5_000));
    expect(unfinished(envelope({ a: 100, b: 100 }, [], 1_000, [old, recent]).approvals, NOW, 60_000)).toEqual([old]);
  });
});

describe('startRelease (step 1 of a reopening)', () => {
  const spec = decider(startRelease);
  const release = (dossierId: string): ReleaseInProgress => ({ dossierId, freedBy: `decision-reopened of N-${dossierId}`, at: NOW });

  it('given a dossier holding money, when its approval is being reopened, then the release is in progress and the money still held', () => {
    spec.given(envelope({ a: 300 })).when(release('a')).then().thenState({ reservedCents: 300, releases: [release('a')] });
  });

  it('given a dossier holding nothing, or a release of it already in progress, when it starts, then nothing happens', () => {
    spec.given(envelope({ a: 300 })).when(release('z')).thenNothingHappens();
    spec.given(envelope({ a: 300 }, [], 1_000, [], [release('a')])).when(release('a')).thenNothingHappens();
  });
});

describe('settleRelease (step 3 of a reopening)', () => {
  const spec = decider(settleRelease);
  const release: ReleaseInProgress = { dossierId: 'a', freedBy: 'decision-reopened of N-a', at: NOW };
  const releasing = (approvals: ApprovalInProgress[] = []) => envelope({ a: 600, b: 400 }, [], 1_000, approvals, [release]);

  it('given the reopening recorded (no longer approved), when settled, then the money comes back, the best waitlisted dossier is proposed, and the release ends', () => {
    spec
      .given(releasing())
      .when(release, 0, [waiting('c', 500)], NOW)
      .then({ definition: CommitteePromotionProposed, data: { dossierId: 'c', freedCents: 600, freedBy: 'decision-reopened of N-a' } })
      .thenState({ reservedCents: 400, reservations: { b: 400 }, releases: [] });
  });

  it('given the reopening refused or never recorded (still approved), when settled, then the money stays and the release ends', () => {
    spec.given(releasing()).when(release, 600, [waiting('c', 500)], NOW).then().thenState({ reservedCents: 1_000, releases: [] });
  });

  it('given a new approval of the dossier in progress, when settled, then its hold stays and the release ends', () => {
    spec.given(releasing([approval('a', 600)])).when(release, 0, [waiting('c', 500)], NOW).then().thenState({ reservations: { a: 600, b: 400 }, releases: [], approvals: [approval('a', 600)] });
  });
});

describe('bestWaitlistedThatFits', () => {
  it('given a waitlist in rank order, when money is freed, then the first fundable one whose cap fits is proposed', () => {
    const waitlist = [
      { dossierId: 'w1', capCents: 800, fundable: true },
      { dossierId: 'w2', capCents: 300, fundable: false },
      { dossierId: 'w3', capCents: 400, fundable: true },
      { dossierId: 'w4', capCents: 100, fundable: true },
    ];
    expect(bestWaitlistedThatFits(waitlist, 500)?.dossierId).toBe('w3');
    expect(bestWaitlistedThatFits(waitlist, 800)?.dossierId).toBe('w1');
    expect(bestWaitlistedThatFits(waitlist, 50)).toBeUndefined();
  });
});

describe('releaseAndPropose', () => {
  const spec = decider(releaseAndPropose);

  it('given an approved dossier holding money, when it gives it back, then the best waitlisted dossier that fits is proposed with committee.promotion-proposed', () => {
    spec
      .given(envelope({ a: 600, b: 400 }))
      .when('a', [waiting('big', 700), waiting('c', 500), waiting('d', 100)], 'decision-reopened of N-a', NOW)
      .then({
        definition: CommitteePromotionProposed,
        data: { callId: 'call-1', waveId: 'vague-1', dossierId: 'c', number: 'N-c', proposedGrantCents: 500, remainingEnvelopeCents: 600, freedCents: 600, freedBy: 'decision-reopened of N-a', at: NOW.toISOString() },
      })
      .thenState({ reservedCents: 400, reservations: { b: 400 }, promotions: [{ dossierId: 'c', proposedGrantCents: 500, freedCents: 600, remainingEnvelopeCents: 600 }] });
  });

  it('given a pending proposal, when more money comes back, then what the pending one promises is not promised twice', () => {
    // 400 + 300 free once b goes, 500 of it promised to c: 200 left, d (100) fits, e (300) does not.
    const { decision } = spec.given(envelope({ b: 300, f: 300 }, [pendingProposal('c')])).when('b', [waiting('c', 500), waiting('e', 300), waiting('d', 100)], 'withdrawal of N-b', NOW).then(CommitteePromotionProposed);
    expect(decision.outcome === 'accepted' && decision.state.promotions.map((p) => p.dossierId)).toEqual(['c', 'd']);
  });

  it('given a dossier holding nothing, when it gives back, then nothing is proposed and its own pending proposal is dropped', () => {
    spec.given(envelope({ b: 300 }, [pendingProposal('c')])).when('c', [waiting('d', 100)], 'rejection of N-c', NOW).then().thenState({ reservedCents: 300, promotions: [] });
  });

  it('given no waitlisted dossier that fits or is fundable, when money comes back, then it is released and nothing is proposed', () => {
    spec.given(envelope({ a: 200, b: 700 })).when('a', [waiting('big', 400), waiting('poor', 100, false)], 'x', NOW).then().thenState({ reservedCents: 700, promotions: [] });
  });

  it('given an approval of the dossier in progress, when the dossier gives back (withdrawn meanwhile), then its hold is released and the approval no longer in progress', () => {
    spec.given(envelope({ a: 200, b: 500 }, [], 1_000, [approval('b', 500)])).when('b', [], 'withdrawal of N-b', NOW).then().thenState({ reservedCents: 200, approvals: [] });
  });

  it('given a dossier that holds nothing and has nothing pending, when it gives back, then nothing happens', () => {
    expect(thenOf(releaseAndPropose(envelope({ a: 200 }), 'z', [], 'x', NOW), undefined).decision).toMatchObject({ outcome: 'accepted', events: [] });
    spec.given(envelope({ a: 200 })).when('z', [], 'x', NOW).thenNothingHappens();
  });
});

describe('returnAwardRelease (award.amount-released: money funding-award will never pay)', () => {
  const spec = decider(returnAwardRelease);
  const released = (amountCents: number, cause = 'lapse', dossierId = 'a'): AwardRelease => ({ releaseId: awardReleaseId(dossierId, cause), dossierId, amountCents, freedBy: `award ${cause} of N-${dossierId}` });
  const after = (decision: ReturnType<typeof returnAwardRelease>) => {
    if (decision.outcome !== 'accepted') throw new Error(decision.outcome);
    return decision.state;
  };

  it('given an approved dossier holding its grant, when its award lapses unpaid, then the grant comes back once, the best waitlisted dossier that fits is proposed, and the release is recorded', () => {
    spec
      .given(envelope({ a: 600, b: 400 }))
      .when(released(600), [waiting('big', 700), waiting('c', 500)], NOW)
      .then({ definition: CommitteePromotionProposed, data: { dossierId: 'c', proposedGrantCents: 500, freedCents: 600, remainingEnvelopeCents: 600, freedBy: 'award lapse of N-a' } })
      .thenState({ reservedCents: 400, reservations: { b: 400 }, returned: [{ releaseId: 'a:lapse', cents: 600 }] });
  });

  it('given a balance below the grant, when part of the award is released, then only that part comes back and the dossier keeps the rest (what was paid)', () => {
    spec
      .given(envelope({ a: 600, b: 400 }))
      .when(released(250, 'completion'), [waiting('big', 300), waiting('c', 200)], NOW)
      .then({ definition: CommitteePromotionProposed, data: { dossierId: 'c', freedCents: 250, remainingEnvelopeCents: 250 } })
      .thenState({ reservedCents: 750, reservations: { a: 350, b: 400 }, returned: [{ releaseId: 'a:completion', cents: 250 }] });
  });

  it('given the release already applied, when the same release comes again (under another event id), then nothing happens', () => {
    const once = after(returnAwardRelease(envelope({ a: 600, b: 400 }), released(600), [waiting('c', 500)], NOW));
    spec.given(once).when(released(600), [waiting('d', 100)], NOW).thenNothingHappens();
  });

  it('given the release applied, then a new approval on the envelope (the race), when the same release comes again, then the new hold is not touched', () => {
    const once = after(returnAwardRelease(envelope({ a: 600, b: 400 }), released(600), [], NOW));
    const approved = after(reserve(once, 'c', 600));
    spec.given(approved).when(released(600), [], NOW).thenNothingHappens();
  });

  it('given a release larger than what the dossier holds, when applied, then never more than it holds comes back', () => {
    spec.given(envelope({ a: 300, b: 400 })).when(released(600), [], NOW).then().thenState({ reservedCents: 400, reservations: { b: 400 }, returned: [{ releaseId: 'a:lapse', cents: 300 }] });
  });

  it('given the committee reopened its decision (the money came back then) and approved the dossier again, when the award’s cancellation for that reopening is released, then nothing happens', () => {
    const reopened = after(releaseAndPropose(envelope({ a: 600, b: 400 }), 'a', [], 'decision-reopened of N-a', NOW));
    const approvedAgain = after(reserve(reopened, 'a', 500));
    const cancellation: AwardRelease = { ...released(600, 'cancellation'), releaseId: awardReleaseId('a', 'cancellation', 'decision-reopened'), freedByCommittee: true };
    spec.given(reopened).when(cancellation, [waiting('c', 500)], NOW).thenNothingHappens();
    spec.given(approvedAgain).when(cancellation, [waiting('c', 500)], NOW).thenNothingHappens();
  });

  it('given a dossier holding nothing any more (its money came back otherwise), when its award’s release comes, then nothing comes back and the release is recorded as giving nothing, so that it never takes a later hold', () => {
    const withdrawn = after(releaseAndPropose(envelope({ a: 600, b: 400 }), 'a', [], 'withdrawal of N-a', NOW));
    spec.given(withdrawn).when(released(600, 'cancellation'), [waiting('c', 500)], NOW).then().thenState({ reservedCents: 400, reservations: { b: 400 }, returned: [{ releaseId: 'a:cancellation', cents: 0 }] });
    const recorded = after(returnAwardRelease(withdrawn, released(600, 'cancellation'), [], NOW));
    spec.given(after(reserve(recorded, 'a', 500))).when(released(600, 'cancellation'), [], NOW).thenNothingHappens();
  });

  it('names a release by its award, cause and cancellation cause, never by its event id', () => {
    expect(awardReleaseId('d-1', 'lapse')).toBe('d-1:lapse');
    expect(awardReleaseId('d-1', 'cancellation', 'renounced')).toBe('d-1:cancellation:renounced');
  });

  it('given any sequence of approvals, releases and award releases (each possibly twice), when applied, then reservedCents = Σ reservations ≤ envelope and each release gives back at most once', () => {
    const dossier = fc.constantFrom('a', 'b', 'c');
    const command = fc.oneof(
      fc.record({ kind: fc.constant('reserve' as const), dossierId: dossier, cents: fc.integer({ min: 1, max: 600 }) }),
      fc.record({ kind: fc.constant('reopen' as const), dossierId: dossier }),
      fc.record({ kind: fc.constant('award' as const), dossierId: dossier, cause: fc.constantFrom('lapse', 'completion'), cents: fc.integer({ min: 1, max: 600 }) }),
    );
    fc.assert(
      fc.property(fc.array(command, { maxLength: 40 }), (commands) => {
        let state = openingEnvelope('call-1', 1_200);
        for (const c of commands) {
          const before = state;
          const decision =
            c.kind === 'reserve' ? reserve(state, c.dossierId, c.cents) : c.kind === 'reopen' ? releaseAndPropose(state, c.dossierId, [], 'x', NOW) : returnAwardRelease(state, released(c.cents, c.cause, c.dossierId), [], NOW);
          if (decision.outcome === 'accepted') state = decision.state;
          if (c.kind === 'award') {
            const freed = heldBy(before, c.dossierId) - heldBy(state, c.dossierId);
            const seen = before.returned.some((r) => r.releaseId === awardReleaseId(c.dossierId, c.cause));
            expect(freed).toBe(seen ? 0 : Math.min(c.cents, heldBy(before, c.dossierId)));
          }
          expect(state.reservedCents).toBe(Object.values(state.reservations).reduce((a, b) => a + b, 0));
          expect(state.reservedCents).toBeLessThanOrEqual(state.envelopeCents);
          expect(new Set(state.returned.map((r) => r.releaseId)).size).toBe(state.returned.length);
        }
      }),
    );
  });
});
