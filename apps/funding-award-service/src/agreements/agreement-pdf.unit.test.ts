import { describe, expect, it, vi } from 'vitest';
import { PDFArray, PDFDocument, PDFRawStream, decodePDFRawStream, type PDFPage } from 'pdf-lib';
import { NOW, grantedAward, must } from '../award-fixtures';
import type { AwardState } from '../awards/award';
import { countersignAgreement, issueAgreement, signAgreement } from './agreement';
import { renderAgreement, renderCountersigned, renderSigned, sha256Of, wrap } from './agreement-pdf';

/** What a page draws: the strings of its text operators (hex, WinAnsi-encoded as pdf-lib writes them), one per line drawn. */
function drawnLines(page: PDFPage): string[] {
  const contents = page.node.Contents();
  const streams = contents instanceof PDFArray ? contents.asArray().map((ref) => page.doc.context.lookup(ref)) : [contents];
  const winAnsi = new TextDecoder('windows-1252');
  return streams.flatMap((stream) => {
    const source = new TextDecoder('latin1').decode(decodePDFRawStream(stream as PDFRawStream).decode());
    return [...source.matchAll(/<([0-9A-Fa-f]*)> Tj/g)].map(([, hex]) => winAnsi.decode(Buffer.from(hex!, 'hex')));
  });
}
const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');
const pagesText = async (bytes: Uint8Array) => (await PDFDocument.load(bytes, { updateMetadata: false })).getPages().map((page) => plain(drawnLines(page).join(' ')));

const association = (): AwardState => ({
  ...grantedAward({ kind: 'association', grantCents: 3_000_000, eligibleCostCents: 9_000_000 }),
  beneficiary: { name: 'La Fabrique du Coin — 工房', kind: 'association', organisationId: '216901231' },
  project: { title: 'Un tiers-lieu numérique en centre-bourg', startDate: '2027-03-01', endDate: '2029-12-31' },
  funding: { callTitle: 'Fabriques de territoire', programme: 'Nouveaux lieux, nouveaux liens', budgetProgrammeLine: '0112-01-12' },
});

describe('renderAgreement', () => {
  it('given an award, then a PDF that pdf-lib reads back, on A4 pages numbered "page i / n", with the award’s amounts drawn', async () => {
    const bytes = await renderAgreement(grantedAward());
    const doc = await PDFDocument.load(bytes, { updateMetadata: false });
    expect(doc.getPageCount()).toBeGreaterThanOrEqual(2);
    expect(doc.getPage(0).getSize()).toEqual({ width: 595.28, height: 841.89 });
    const pages = await pagesText(bytes);
    pages.forEach((text, index) => expect(text).toContain(`Convention n° AAP-2027-000001 — page ${index + 1} / ${pages.length}`));
    const all = pages.join(' ');
    for (const drawn of ['Convention attributive de subvention', '40 000,00 €', '20 000,00 €', '6 000,00 €', '16 000,00 €', '50 %', '10 janvier 2029', 'décret n° 2018-514']) expect(all).toContain(drawn);
  });

  it('given the same award twice, then the same bytes: dates and file identifier come from the award, not the clock', async () => {
    const award = association();
    const first = await renderAgreement(award);
    // Another day on the clock: a clock-stamped PDF would differ.
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2031-06-01T08:00:00Z') });
    try {
      expect(sha256Of(await renderAgreement({ ...award, version: 12 }))).toBe(sha256Of(first));
    } finally {
      vi.useRealTimers();
    }
    const doc = await PDFDocument.load(first, { updateMetadata: false });
    expect(doc.getCreationDate()?.toISOString()).toBe(award.notifiedAt);
    expect(doc.getModificationDate()?.toISOString()).toBe(award.notifiedAt);
    expect(doc.getTitle()).toContain('Convention n° AAP-2027-000001');
  });

  it('given another grant, then another document', async () => {
    expect(sha256Of(await renderAgreement(grantedAward({ grantCents: 1_999_999 })))).not.toBe(sha256Of(await renderAgreement(grantedAward())));
  });

  it('given characters the standard fonts lack, then they are drawn as "?" rather than failing; accents typed decomposed are drawn composed', async () => {
    const award = association();
    const drawn = (await pagesText(await renderAgreement({ ...award, project: { ...award.project!, title: 'Re\u0301seau des fabriques' } }))).join(' ');
    expect(drawn).toContain('La Fabrique du Coin — ??');
    expect(drawn).toContain('« Réseau des fabriques »');
  });
});

describe('renderSigned and renderCountersigned', () => {
  it('given a signature then a countersignature, then each version is the one before with one page appended, stable and naming the SHA-256 it signs', async () => {
    const issuedBytes = await renderAgreement(association());
    const issuedSha = sha256Of(issuedBytes);
    const signedAward = must(signAgreement(must(issueAgreement(association(), { sha256: issuedSha }, NOW)), { sha256: issuedSha, by: 'applicant-7' }, NOW));
    const signed = await renderSigned(issuedBytes, signedAward);
    expect(sha256Of(await renderSigned(issuedBytes, signedAward))).toBe(sha256Of(signed));

    const issuedPages = await pagesText(issuedBytes);
    const signedPages = await pagesText(signed);
    expect(signedPages).toHaveLength(issuedPages.length + 1);
    expect(signedPages.slice(0, -1)).toEqual(issuedPages);
    expect(signedPages.at(-1)).toContain('applicant-7');
    expect(signedPages.at(-1)).toContain(issuedSha);
    expect((await PDFDocument.load(signed, { updateMetadata: false })).getModificationDate()?.toISOString()).toBe(NOW.toISOString());

    const countersignedAward = must(countersignAgreement(signedAward, { sha256: issuedSha, by: 'manager-2' }, new Date('2027-02-03T15:30:00Z')));
    const countersigned = await renderCountersigned(signed, countersignedAward);
    expect(sha256Of(await renderCountersigned(signed, countersignedAward))).toBe(sha256Of(countersigned));
    const countersignedPages = await pagesText(countersigned);
    expect(countersignedPages).toHaveLength(signedPages.length + 1);
    expect(countersignedPages.at(-1)).toContain('manager-2');
    expect(countersignedPages.at(-1)).toContain(sha256Of(signed));
  });
});

describe('wrap', () => {
  const measure = (text: string) => text.length;
  it('breaks between words, and inside a word longer than a line', () => {
    expect(wrap('un deux trois quatre', 9, measure)).toEqual(['un deux', 'trois', 'quatre']);
    expect(wrap('abcdefghij kl', 4, measure)).toEqual(['abcd', 'efgh', 'ij', 'kl']);
  });
});
