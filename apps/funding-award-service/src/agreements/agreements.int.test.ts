import { createHash, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PDFDocument } from 'pdf-lib';
import { AwardAgreementCountersigned, AwardAgreementIssued, AwardAgreementSigned, eventTopicName } from '@aap/contracts';
import { eventually, useTestEnvironment, type HttpAnswer, type Requester } from '@aap/test-harness';
import { LYON, awardActors, ok, settledAward, useFundingAward, wholeTopic } from '../int-fixtures';

/**
 * The agreement over HTTP, on the real broker and database: the programme manager issues it, the
 * beneficiary downloads and signs what it read, another programme manager countersigns; each version
 * is stored once and downloads the same bytes every time, also when the service stopped between
 * recording a signature and storing its PDF. The award: 30 000 € on 60 000 € to an association (paid
 * only under the agreement signed by both parties, loi 2000-321 art. 10).
 */

const env = useTestEnvironment();
const { api, publisher } = useFundingAward(env);
const { beneficiary, finance, grantedAward, validatedAdvance } = awardActors(env, api, publisher);
const otherOrganisation = () => api().as('applicant', { org: '216902668', sub: 'applicant-9' });
const manager = (n: number) => api().as('programme-manager', { sub: `manager-${n}` });

function refusedBy(answer: HttpAnswer, status: number, ...rules: string[]) {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(answer.headers['content-type']).toContain('application/problem+json');
  expect((answer.body.errors ?? []).map((e: { name: string }) => e.name)).toEqual(rules);
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A version of the agreement as the caller downloads it: a PDF whose ETag is its SHA-256. */
async function download(as: Requester, awardId: string, version: string): Promise<Buffer> {
  const answer = await as.get(`/awards/${awardId}/agreement/${version}`);
  expect(answer.status, answer.bytes.toString('utf8', 0, 500)).toBe(200);
  expect(answer.headers['content-type']).toBe('application/pdf');
  expect(answer.headers.etag).toBe(`"${sha256(answer.bytes)}"`);
  return answer.bytes;
}

const pageCount = async (bytes: Uint8Array) => (await PDFDocument.load(bytes, { updateMetadata: false })).getPageCount();

/** 30 000 € on 60 000 € to an association. */
const ASSOCIATION = {
  dossier: { applicant: { name: 'Association La Fabrique du Lien', kind: 'association' as const } },
  acceptance: { grantCents: 3_000_000, eligibleCostCents: 6_000_000, requestedGrantCents: 3_000_000 },
};
const newAward = () => grantedAward(ASSOCIATION);

describe('issue, sign, countersign, download', () => {
  it('given an award, when the agreement is issued, signed by the beneficiary and countersigned by another manager, then every version downloads stable, each naming the SHA-256 it signs', async () => {
    const awardId = await newAward();
    refusedBy(await beneficiary().post(`/awards/${awardId}/agreement/signature`, { sha256: 'a'.repeat(64) }), 409, 'award-status');

    const issued = ok(await manager(1).post(`/awards/${awardId}/agreement`));
    expect(issued).toMatchObject({ awardId, status: 'issued', versions: [{ version: 'issued', sha256: issued.agreementSha256, href: `/awards/${awardId}/agreement/issued` }] });
    expect(ok(await finance(1).get(`/awards/${awardId}`)).agreement).toMatchObject({ sha256: issued.agreementSha256 });
    // The same award gives the same document: issuing again changes nothing.
    expect(ok(await manager(2).post(`/awards/${awardId}/agreement`))).toEqual(issued);

    const read = await download(beneficiary(), awardId, 'issued');
    expect(sha256(read)).toBe(issued.agreementSha256);
    const issuedPages = await pageCount(read);
    expect(issuedPages).toBeGreaterThanOrEqual(2);
    refusedBy(await beneficiary().get(`/awards/${awardId}/agreement/signed`), 404);

    const wrong = await beneficiary().post(`/awards/${awardId}/agreement/signature`, { sha256: 'b'.repeat(64) });
    refusedBy(wrong, 422, 'agreement-document');
    const signed = ok(await beneficiary().post(`/awards/${awardId}/agreement/signature`, { sha256: sha256(read) }));
    expect(signed).toMatchObject({ status: 'signed', signedBy: 'applicant-1', versions: [{ version: 'issued', sha256: issued.agreementSha256 }, { version: 'signed' }] });
    // Once signed, the agreement is fixed: issuing again keeps it as signed.
    expect(ok(await manager(1).post(`/awards/${awardId}/agreement`))).toEqual(signed);

    // Whoever signed for the beneficiary does not countersign for the State, even with the manager's role.
    refusedBy(await api().as('programme-manager', { sub: 'applicant-1' }).post(`/awards/${awardId}/agreement/countersignature`, { sha256: issued.agreementSha256 }), 422, 'four-eyes');
    const countersigned = ok(await manager(2).post(`/awards/${awardId}/agreement/countersignature`, { sha256: issued.agreementSha256 }));
    expect(countersigned).toMatchObject({ status: 'countersigned', countersignedBy: 'manager-2', versions: [{ version: 'issued' }, { version: 'signed', sha256: signed.versions[1].sha256 }, { version: 'countersigned' }] });

    for (const [as, n] of [[beneficiary(), 0], [manager(3), 1], [finance(4), 2]] as const) {
      const signedBytes = await download(as, awardId, 'signed');
      const countersignedBytes = await download(as, awardId, 'countersigned');
      expect([sha256(signedBytes), sha256(countersignedBytes)], `download ${n}`).toEqual([countersigned.versions[1].sha256, countersigned.versions[2].sha256]);
      expect([await pageCount(signedBytes), await pageCount(countersignedBytes)]).toEqual([issuedPages + 1, issuedPages + 2]);
    }
    expect(ok(await beneficiary().get(`/awards/${awardId}/agreement`))).toEqual(countersigned);

    // Issued twice, signed, countersigned: one event each, naming the document issued.
    await settledAward(env, awardId);
    const published = (await wholeTopic(env, eventTopicName(env.prefix, AwardAgreementIssued.topic))).filter((m) => m.key === awardId);
    for (const definition of [AwardAgreementIssued, AwardAgreementSigned, AwardAgreementCountersigned]) {
      const events = published.filter((m) => m.headers.ce_type === definition.type);
      expect(events.map((m) => JSON.parse(String(m.value)).agreementSha256), definition.type).toEqual([issued.agreementSha256]);
    }
  });

  it('given a signature recorded whose PDF was never stored (the service stopped in between), when it is first read, then it is made again from the issued PDF and the award, the same bytes', async () => {
    const awardId = await newAward();
    const { agreementSha256 } = ok(await manager(1).post(`/awards/${awardId}/agreement`));
    const signed = ok(await beneficiary().post(`/awards/${awardId}/agreement/signature`, { sha256: agreementSha256 }));
    const documents = env.database('funding-award').collection<{ _id: string }>('agreement_documents');
    expect((await documents.deleteOne({ _id: `${awardId}/${agreementSha256}/signed` })).deletedCount).toBe(1);

    const [first, second] = await Promise.all([download(finance(1), awardId, 'signed'), download(beneficiary(), awardId, 'signed')]);
    expect([sha256(first), sha256(second)]).toEqual([signed.versions[1].sha256, signed.versions[1].sha256]);
    expect(await documents.countDocuments({ _id: `${awardId}/${agreementSha256}/signed` })).toBe(1);
  });
});

describe('who may do what', () => {
  it('given an issued agreement, then finance cannot sign for the applicant nor issue or countersign for the State, an applicant cannot issue nor countersign, and another organisation finds nothing', async () => {
    const awardId = await newAward();
    const { agreementSha256 } = ok(await manager(1).post(`/awards/${awardId}/agreement`));
    refusedBy(await finance(1).post(`/awards/${awardId}/agreement/signature`, { sha256: agreementSha256 }), 403);
    refusedBy(await beneficiary().post(`/awards/${awardId}/agreement`), 403);
    refusedBy(await beneficiary().post(`/awards/${awardId}/agreement/countersignature`, { sha256: agreementSha256 }), 403);
    refusedBy(await finance(1).post(`/awards/${awardId}/agreement`), 403);
    refusedBy(await finance(1).post(`/awards/${awardId}/agreement/countersignature`, { sha256: agreementSha256 }), 403);
    for (const answer of [
      await otherOrganisation().get(`/awards/${awardId}/agreement`),
      await otherOrganisation().get(`/awards/${awardId}/agreement/issued`),
      await otherOrganisation().post(`/awards/${awardId}/agreement/signature`, { sha256: agreementSha256 }),
      await beneficiary().get(`/awards/${randomUUID()}/agreement`),
    ]) {
      refusedBy(answer, 404);
    }
    const malformed = await beneficiary().post(`/awards/${awardId}/agreement/signature`, { sha256: 'not-a-hash' });
    expect(malformed.status).toBe(400);
    expect(JSON.stringify(malformed.body.errors)).toContain('sha256');
  });
});

describe('an association granted more than 23 000 € is paid only under the agreement signed by both parties', () => {
  it('given a validated advance, when released before the countersignature, then agreement-signed refuses it; after, it is released', async () => {
    const { awardId, trancheId } = await validatedAdvance(ASSOCIATION);
    refusedBy(await finance(2).post(`/awards/${awardId}/tranches/${trancheId}/release`), 422, 'agreement-signed');

    const { agreementSha256 } = ok(await manager(1).post(`/awards/${awardId}/agreement`));
    ok(await beneficiary().post(`/awards/${awardId}/agreement/signature`, { sha256: agreementSha256 }));
    refusedBy(await finance(2).post(`/awards/${awardId}/tranches/${trancheId}/release`), 422, 'agreement-signed');
    ok(await manager(2).post(`/awards/${awardId}/agreement/countersignature`, { sha256: agreementSha256 }));
    expect(ok(await finance(2).post(`/awards/${awardId}/tranches/${trancheId}/release`)).tranches[0]).toMatchObject({ status: 'released', amountCents: 900_000 });
  });
});
