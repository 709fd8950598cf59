import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AwardLegalCommitmentRecorded, eventTopicName } from '@aap/contracts';
import { eventually, useTestEnvironment } from '@aap/test-harness';
import { LEGAL_COMMITMENT, acceptDossier, awardActors, ok, recordLegalCommitment, refusedBy, settledAward, useFundingAward, wholeTopic } from '../int-fixtures';

/**
 * The legal commitment (engagement juridique) over HTTP, on the real broker and database: finance
 * records the Chorus number, and no tranche is released before it.
 */

const env = useTestEnvironment();
const { api, publisher } = useFundingAward(env);
const { beneficiary, finance, validatedAdvance: advanceOf } = awardActors(env, api, publisher);
/** Started, bank details validated, its advance asked and validated by finance-1, no legal commitment yet: only the release is left. */
const validatedAdvance = () => advanceOf({ legalCommitment: false });

describe('no release without the legal commitment', () => {
  it('given a validated tranche, when released before the legal commitment, then legal-commitment-recorded refuses it; recorded, it is released, and the number is then fixed', async () => {
    const { awardId, trancheId } = await validatedAdvance();
    refusedBy(await finance(2).post(`/awards/${awardId}/tranches/${trancheId}/release`), 'legal-commitment-recorded');

    // A mistyped number is corrected while nothing was released; the same number again changes nothing.
    expect(await recordLegalCommitment(finance(3), awardId, '2100000000')).toMatchObject({ legalCommitment: { number: '2100000000' } });
    const recorded = await recordLegalCommitment(finance(3), awardId);
    expect(recorded.legalCommitment).toEqual({ number: LEGAL_COMMITMENT, recordedAt: expect.any(String) });
    expect(await recordLegalCommitment(finance(1), awardId)).toEqual(recorded);

    expect(ok(await finance(2).post(`/awards/${awardId}/tranches/${trancheId}/release`)).tranches[0]).toMatchObject({ status: 'released' });
    refusedBy(await finance(3).post(`/awards/${awardId}/legal-commitment`, { number: '2109876543' }), 'legal-commitment-fixed');
    expect(await recordLegalCommitment(finance(3), awardId)).toMatchObject({ legalCommitment: { number: LEGAL_COMMITMENT } });

    // Two numbers recorded, each once: the correction names the one it replaced.
    await settledAward(env, awardId);
    const facts = (await wholeTopic(env, eventTopicName(env.prefix, AwardLegalCommitmentRecorded.topic))).filter((m) => m.key === awardId && m.headers.ce_type === AwardLegalCommitmentRecorded.type);
    expect(facts.map((m) => JSON.parse(m.value!))).toEqual([
      expect.objectContaining({ legalCommitmentNumber: '2100000000', recordedBy: 'finance-3' }),
      expect.objectContaining({ legalCommitmentNumber: LEGAL_COMMITMENT, previousNumber: '2100000000' }),
    ]);
  });

  it('given a number that is not 10 digits, then 400 naming the field; the beneficiary may not record one (403)', async () => {
    const awardId = randomUUID();
    await acceptDossier(env, publisher(), awardId);
    await eventually(async () => expect((await finance(1).get(`/awards/${awardId}`)).status).toBe(200));

    for (const number of ['210345678', '21034567890', '2103-45678']) {
      const answer = await finance(1).post(`/awards/${awardId}/legal-commitment`, { number });
      expect(answer.status, number).toBe(400);
      expect(answer.headers['content-type']).toContain('application/problem+json');
      expect(JSON.stringify(answer.body.errors)).toContain('number');
    }
    expect((await beneficiary().post(`/awards/${awardId}/legal-commitment`, { number: LEGAL_COMMITMENT })).status).toBe(403);
    expect(ok(await finance(1).get(`/awards/${awardId}`)).legalCommitment).toBeUndefined();
  });
});
