import { describe, expect, it } from 'vitest';
import { officeContainerCheck } from './attachment-limits';
import { CONTAINER_TAIL_BYTES, readCentralDirectory } from './office-containers';
import { docx, DOCX, odf, ODS, ODT, plainZip, XLSX, xlsx, XML, zip } from './testing-office-files';

/** The check the upload applies, on the whole file (the route keeps only its first and last bytes). */
const refusalOf = (declared: string, file: Buffer) => officeContainerCheck(declared)!(file.subarray(0, 1024), file.subarray(-CONTAINER_TAIL_BYTES), file.length);

describe('officeContainerCheck (an Office document is a ZIP holding that document)', () => {
  it.each([
    [DOCX, docx()],
    [XLSX, xlsx()],
    [ODT, odf(ODT)],
    [ODS, odf(ODS)],
  ])('accepts a real %s', (declared, file) => {
    expect(refusalOf(declared, file)).toBeUndefined();
  });

  it('accepts OOXML part names in another case (OPC names ignore ASCII case) and an archive comment', () => {
    const upper = zip([{ name: '[content_types].xml', data: XML }, { name: 'Word/Document.xml', data: XML }], 'écrit par un tableur');
    expect(refusalOf(DOCX, upper)).toBeUndefined();
  });

  it('refuses any other ZIP renamed .docx/.xlsx, naming the missing parts', () => {
    expect(refusalOf(DOCX, plainZip())).toBe(`the file is declared ${DOCX} but it is a ZIP without [Content_Types].xml and word/document.xml`);
    expect(refusalOf(XLSX, docx())).toBe(`the file is declared ${XLSX} but it is a ZIP without xl/workbook.xml`);
  });

  it('refuses an ODF whose mimetype is missing, not first, compressed or of another type', () => {
    expect(refusalOf(ODT, plainZip())).toMatch(/its first entry is not mimetype/);
    expect(refusalOf(ODT, zip([{ name: 'content.xml', data: XML }, { name: 'mimetype', data: ODT, method: 0 }]))).toMatch(/its first entry is not mimetype/);
    expect(refusalOf(ODT, zip([{ name: 'mimetype', data: ODT, method: 8 }]))).toMatch(/its mimetype entry is not .*, stored/);
    expect(refusalOf(ODT, odf(ODS))).toMatch(/its mimetype entry is not application\/vnd.oasis.opendocument.text/);
    expect(refusalOf(ODS, odf(ODT.replace('text', 'xxxx')))).toMatch(/its mimetype entry is not/);
  });

  it('refuses what is not a readable ZIP: a bare signature, a cut file, a directory out of place', () => {
    expect(refusalOf(DOCX, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]))).toMatch(/no ZIP end-of-directory record/);
    const file = docx();
    expect(refusalOf(DOCX, file.subarray(0, file.length - 5))).toMatch(/no ZIP end-of-directory record/);
    expect(refusalOf(DOCX, Buffer.concat([Buffer.alloc(10), file]))).toMatch(/not where its end record says/);
  });

  it('has no check for types that are not Office documents', () => {
    expect(officeContainerCheck('application/pdf')).toBeUndefined();
    expect(officeContainerCheck('image/png')).toBeUndefined();
  });
});

describe('readCentralDirectory (the directory only: no entry is inflated)', () => {
  it('lists the entries of a deflated archive without reading their data, whatever they claim to inflate to', () => {
    const file = docx();
    const entries = readCentralDirectory(file, file.length);
    expect(Array.isArray(entries) && entries.map((e) => [e.name, e.method])).toEqual([
      ['[Content_Types].xml', 8],
      ['_rels/.rels', 8],
      ['word/document.xml', 8],
    ]);
    // A bomb's entry says it inflates to 4 GiB: only the directory is read, so it changes nothing.
    const bomb = Buffer.from(file);
    const directoryAt = bomb.readUInt32LE(bomb.length - 6);
    bomb.writeUInt32LE(0xfffffffe, directoryAt + 24);
    expect(refusalOf(DOCX, bomb)).toBeUndefined();
  });

  it('reads the directory from the last bytes of a large file, and refuses one larger than what is kept', () => {
    const padding = Buffer.alloc(CONTAINER_TAIL_BYTES * 2);
    const big = zip([{ name: '[Content_Types].xml', data: XML }, { name: 'word/media/image.bin', data: padding, method: 0 }, { name: 'word/document.xml', data: XML }]);
    expect(refusalOf(DOCX, big)).toBeUndefined();
    const manyEntries = zip(Array.from({ length: 3_000 }, (_, i) => ({ name: `word/media/image-${String(i).padStart(5, '0')}-${'x'.repeat(60)}.png`, data: '', method: 0 as const })));
    expect(refusalOf(DOCX, manyEntries)).toMatch(/central directory is larger than 256 KiB/);
  });
});
