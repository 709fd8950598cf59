import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { contentDisposition, downloadHeaders, reprDigest } from './download-headers';

describe('contentDisposition', () => {
  it('gives an ASCII name as is', () => {
    expect(contentDisposition('deliberation.pdf')).toBe(`attachment; filename="deliberation.pdf"; filename*=UTF-8''deliberation.pdf`);
  });

  it('percent-encodes a UTF-8 name and replaces what the quoted fallback cannot carry', () => {
    expect(contentDisposition('délibération "n°3" (v2).pdf')).toBe(
      `attachment; filename="d_lib_ration _n_3_ (v2).pdf"; filename*=UTF-8''d%C3%A9lib%C3%A9ration%20%22n%C2%B03%22%20%28v2%29.pdf`,
    );
  });

  it('never lets a name break out of the header', () => {
    const header = contentDisposition('a\r\nset-cookie: x=1\\.pdf');
    expect(header).not.toMatch(/[\r\n]/);
    expect(header).toContain(`filename="a__set-cookie: x=1_.pdf"`);
  });
});

describe('reprDigest', () => {
  it('is the RFC 9530 structured form of the SHA-256: sha-256=:<base64>:', () => {
    const content = Buffer.from('hello');
    const hex = createHash('sha256').update(content).digest('hex');
    expect(reprDigest(hex)).toBe(`sha-256=:${createHash('sha256').update(content).digest('base64')}:`);
    expect(reprDigest(hex)).toBe('sha-256=:LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=:');
  });
});

describe('downloadHeaders', () => {
  it('says the type, the length, the name and the digest, and forbids sniffing', () => {
    const sha256 = createHash('sha256').update('x').digest('hex');
    expect(downloadHeaders({ contentType: 'application/pdf', sizeBytes: 1234, fileName: 'a.pdf', sha256 })).toEqual({
      'content-type': 'application/pdf',
      'content-length': '1234',
      'content-disposition': `attachment; filename="a.pdf"; filename*=UTF-8''a.pdf`,
      'repr-digest': reprDigest(sha256),
      'x-content-type-options': 'nosniff',
    });
  });
});
