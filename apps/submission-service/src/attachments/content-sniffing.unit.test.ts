import { describe, expect, it } from 'vitest';
import { contentTypeRefusal } from './attachment-limits';
import { normalizeContentType, sniffFileKind, SNIFF_BYTES } from './content-sniffing';

const bytes = (text: string) => Buffer.from(text, 'latin1');
const PDF = bytes('%PDF-1.7\n%âãÏÓ\n');
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]);
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46]);
const ZIP = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]);

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const ODT = 'application/vnd.oasis.opendocument.text';
const ODS = 'application/vnd.oasis.opendocument.spreadsheet';

describe('sniffFileKind', () => {
  it.each([
    ['pdf', PDF],
    ['png', PNG],
    ['jpeg', JPEG],
    ['zip', ZIP],
  ] as const)('recognises %s by its first bytes', (kind, head) => {
    expect(sniffFileKind(head)).toBe(kind);
  });

  it('recognises nothing in text, an empty file or a truncated signature', () => {
    expect(sniffFileKind(bytes('hello, this is not a PDF'))).toBeUndefined();
    expect(sniffFileKind(Buffer.alloc(0))).toBeUndefined();
    expect(sniffFileKind(PNG.subarray(0, 4))).toBeUndefined();
    expect(sniffFileKind(bytes('%PDF'))).toBeUndefined();
  });

  it('needs only the first SNIFF_BYTES bytes', () => {
    expect(SNIFF_BYTES).toBe(8);
    for (const head of [PDF, PNG, JPEG, ZIP]) expect(sniffFileKind(head.subarray(0, SNIFF_BYTES))).toBe(sniffFileKind(head));
  });

  it('only looks at the start: a signature further in does not count', () => {
    expect(sniffFileKind(Buffer.concat([bytes(' '), PDF]))).toBeUndefined();
  });
});

describe('contentTypeRefusal', () => {
  it.each([
    ['application/pdf', PDF],
    ['image/png', PNG],
    ['image/jpeg', JPEG],
    [DOCX, ZIP],
    [XLSX, ZIP],
    [ODT, ZIP],
    [ODS, ZIP],
  ])('accepts %s with the matching signature', (declared, head) => {
    expect(contentTypeRefusal(declared, head)).toBeUndefined();
  });

  it('accepts a declared type in another case or with parameters', () => {
    expect(contentTypeRefusal('Application/PDF; name="x.pdf"', PDF)).toBeUndefined();
  });

  it('refuses a type that is not accepted, whatever its content', () => {
    expect(contentTypeRefusal('text/plain', bytes('hello'))).toMatch(/text\/plain is not accepted/);
    expect(contentTypeRefusal('application/zip', ZIP)).toMatch(/application\/zip is not accepted/);
    expect(contentTypeRefusal('application/octet-stream', PDF)).toMatch(/not accepted/);
    expect(contentTypeRefusal('', PDF)).toMatch(/a file without a type is not accepted/);
  });

  it('refuses a file declared as a PDF that is something else', () => {
    expect(contentTypeRefusal('application/pdf', PNG)).toBe('the file is declared application/pdf but its content is a PNG file');
    expect(contentTypeRefusal('application/pdf', bytes('just some text'))).toBe('the file is declared application/pdf but its content is not of that type');
    expect(contentTypeRefusal('application/pdf', Buffer.alloc(0))).toMatch(/not of that type/);
  });

  it('refuses mismatches between the image types and between office and other formats', () => {
    expect(contentTypeRefusal('image/png', JPEG)).toMatch(/JPEG/);
    expect(contentTypeRefusal('image/jpeg', PNG)).toMatch(/PNG/);
    expect(contentTypeRefusal(DOCX, PDF)).toMatch(/PDF/);
    expect(contentTypeRefusal('application/pdf', ZIP)).toMatch(/ZIP/);
  });
});

describe('normalizeContentType', () => {
  it('keeps the media type only, lowercased', () => {
    expect(normalizeContentType(' Image/PNG ; charset=binary')).toBe('image/png');
  });
});
