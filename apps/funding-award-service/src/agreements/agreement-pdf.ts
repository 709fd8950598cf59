import { createHash } from 'node:crypto';
import { PDFDocument, PDFHexString, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import type { AwardState } from '../awards/award';
import { agreementLabel, agreementText, countersignatureText, signatureText, type Block, type BlockStyle } from './agreement-text';

/**
 * The agreement as a PDF (pdf-lib, standard fonts: nothing embedded, nothing random). Deterministic:
 * the dates and the file identifier come from the award, never from the clock, so the same award
 * gives the same bytes and the SHA-256 identifies the document. The signed versions are the document
 * before them with one page appended (load → add a page → save, with the same fixed metadata).
 */

export const sha256Of = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

const PAGE: [number, number] = [595.28, 841.89]; // A4 in points
const MARGIN = 56;
const WIDTH = PAGE[0] - 2 * MARGIN;
const FOOTER_Y = 30;

interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
  mono: PDFFont;
}

const STYLES: Record<BlockStyle, { font: keyof Fonts; size: number; before: number; after: number; indent?: number }> = {
  title: { font: 'bold', size: 17, before: 0, after: 4 },
  subtitle: { font: 'regular', size: 11, before: 0, after: 14 },
  heading: { font: 'bold', size: 11, before: 10, after: 4 },
  text: { font: 'regular', size: 10, before: 0, after: 5 },
  item: { font: 'regular', size: 10, before: 0, after: 3, indent: 14 },
  mono: { font: 'mono', size: 9, before: 0, after: 6, indent: 14 },
};
const LEADING = 1.35;

/**
 * Text the standard fonts can draw (WinAnsi): accents typed decomposed are composed, the narrow
 * no-break space of French number formatting becomes a no-break space, and any other character they
 * lack (a name typed in another script) a "?", rather than a document that fails to render.
 */
function drawable(font: PDFFont, text: string): string {
  const known = new Set(font.getCharacterSet());
  return [...text.normalize('NFC').replace(/\u202f/g, '\u00a0')].map((c) => (known.has(c.codePointAt(0)!) ? c : '?')).join('');
}

/** Lines of at most `width` points: broken between words, and inside a word longer than a line. */
export function wrap(text: string, width: number, measure: (text: string) => number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const candidate = line ? `${line} ${word}` : word;
    if (measure(candidate) <= width) {
      line = candidate;
      continue;
    }
    if (line) lines.push(line);
    line = word;
    while (measure(line) > width && line.length > 1) {
      let cut = line.length - 1;
      while (cut > 1 && measure(line.slice(0, cut)) > width) cut--;
      lines.push(line.slice(0, cut));
      line = line.slice(cut);
    }
  }
  if (line) lines.push(line);
  return lines;
}

async function fontsOf(doc: PDFDocument): Promise<Fonts> {
  return { regular: await doc.embedFont(StandardFonts.Helvetica), bold: await doc.embedFont(StandardFonts.HelveticaBold), mono: await doc.embedFont(StandardFonts.Courier) };
}

/** Draws the blocks from the top of a new page, adding pages as they fill; the pages drawn. */
function layOut(doc: PDFDocument, fonts: Fonts, blocks: readonly Block[]): PDFPage[] {
  const pages: PDFPage[] = [];
  let page!: PDFPage;
  let y = 0;
  const newPage = () => {
    page = doc.addPage(PAGE);
    pages.push(page);
    y = PAGE[1] - MARGIN;
  };
  newPage();
  for (const block of blocks) {
    const style = STYLES[block.style];
    const font = fonts[style.font];
    const indent = style.indent ?? 0;
    const lineHeight = style.size * LEADING;
    const lines = wrap(drawable(font, block.text), WIDTH - indent, (text) => font.widthOfTextAtSize(text, style.size));
    // A heading never ends a page alone: it moves with the first line of what follows.
    const keep = block.style === 'heading' ? 3 : 1;
    if (y - style.before - lineHeight * keep < MARGIN) newPage();
    else y -= style.before;
    lines.forEach((text, index) => {
      if (y - lineHeight < MARGIN) newPage();
      y -= lineHeight;
      if (block.style === 'item' && index === 0) page.drawText('–', { x: MARGIN + 2, y, size: style.size, font });
      page.drawText(text, { x: MARGIN + indent, y, size: style.size, font, color: rgb(0, 0, 0) });
    });
    y -= style.after;
  }
  return pages;
}

function footer(page: PDFPage, font: PDFFont, text: string): void {
  page.drawText(drawable(font, text), { x: MARGIN, y: FOOTER_Y, size: 8, font, color: rgb(0.35, 0.35, 0.35) });
}

const idOf = (seed: string) => PDFHexString.of(createHash('sha256').update(seed).digest('hex').slice(0, 32));

/**
 * The fixed metadata of a version: created when the grant was notified, modified when the version was
 * made (issue: the notification too, so the document depends on the award only); the file identifier's
 * first half names the award's agreement, the second this version (PDF 32000-1, 14.4).
 */
function stamp(doc: PDFDocument, award: AwardState, modifiedAt: string, version: string): void {
  doc.setTitle(`${agreementLabel(award)} — convention attributive de subvention`);
  doc.setSubject(`Dossier ${award.number}`);
  doc.setAuthor('Agence nationale de la cohésion des territoires (ANCT)');
  doc.setCreator('AAP — funding-award');
  doc.setProducer('AAP — funding-award (pdf-lib)');
  doc.setLanguage('fr-FR');
  doc.setCreationDate(new Date(award.notifiedAt));
  doc.setModificationDate(new Date(modifiedAt));
  doc.context.trailerInfo.ID = doc.context.obj([idOf(`agreement/${award.awardId}`), idOf(`agreement/${award.awardId}/${version}`)]);
}

/** The agreement as issued: every article, paged, "page i / n" at the foot of each page. */
export async function renderAgreement(award: AwardState): Promise<Uint8Array> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  const fonts = await fontsOf(doc);
  const blocks = agreementText(award);
  const pages = layOut(doc, fonts, blocks);
  pages.forEach((page, index) => footer(page, fonts.regular, `${agreementLabel(award)} — page ${index + 1} / ${pages.length}`));
  stamp(doc, award, award.notifiedAt, `issued/${sha256Of(new TextEncoder().encode(JSON.stringify(blocks)))}`);
  return doc.save();
}

async function appendPage(previous: Uint8Array, award: AwardState, blocks: readonly Block[], modifiedAt: string, version: string, foot: string): Promise<Uint8Array> {
  const doc = await PDFDocument.load(previous, { updateMetadata: false });
  const fonts = await fontsOf(doc);
  for (const page of layOut(doc, fonts, blocks)) footer(page, fonts.regular, `${agreementLabel(award)} — ${foot}`);
  stamp(doc, award, modifiedAt, `${version}/${sha256Of(previous)}`);
  return doc.save();
}

/** The issued document with the beneficiary's signature page appended. */
export function renderSigned(issued: Uint8Array, award: AwardState): Promise<Uint8Array> {
  return appendPage(issued, award, signatureText(award), award.agreement!.signedAt!, 'signed', 'signature du bénéficiaire');
}

/** The signed document with the programme manager's countersignature page appended. */
export function renderCountersigned(signed: Uint8Array, award: AwardState): Promise<Uint8Array> {
  return appendPage(signed, award, countersignatureText(award, sha256Of(signed)), award.agreement!.countersignedAt!, 'countersigned', 'contresignature de l’administration');
}
