import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { checkedAtEnd, readHead } from './upload-form';

const source = (...chunks: string[]) => Readable.from(chunks.map((c) => Buffer.from(c)), { objectMode: false });
const readAll = async (stream: Readable) => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
};

describe('readHead', () => {
  it('gives the first bytes and the whole content, across chunks', async () => {
    const { head, content } = await readHead(source('%P', 'DF-1', '.7\nrest of the file', '…and more'), 8);
    expect(head.toString()).toBe('%PDF-1.7');
    expect(await readAll(content)).toBe('%PDF-1.7\nrest of the file…and more');
  });

  it('gives a shorter head for a shorter stream, and the content still', async () => {
    const { head, content } = await readHead(source('abc'), 8);
    expect(head.toString()).toBe('abc');
    expect(await readAll(content)).toBe('abc');
  });

  it('gives nothing for an empty stream', async () => {
    const { head, content } = await readHead(source(), 8);
    expect(head).toHaveLength(0);
    expect(await readAll(content)).toBe('');
  });

  it('passes on an error of the source met after the head', async () => {
    async function* failing() {
      yield Buffer.from('%PDF-1.7 first chunk');
      throw new Error('too large');
    }
    const { head, content } = await readHead(Readable.from(failing(), { objectMode: false }), 8);
    expect(head.toString()).toBe('%PDF-1.7');
    await expect(readAll(content)).rejects.toThrow('too large');
  });
});

describe('checkedAtEnd', () => {
  it('passes the content through, then shows the check its first and last bytes and its size, across chunks', async () => {
    const seen: string[] = [];
    const content = checkedAtEnd(source('PK', '-first-', 'middle', '-last'), 5, 4, (head, tail, size) => {
      seen.push(head.toString(), tail.toString(), String(size));
      return undefined;
    });
    expect(await readAll(content)).toBe('PK-first-middle-last');
    expect(seen).toEqual(['PK-fi', 'last', '20']);
  });

  it('fails the stream at its end with the error the check returns, after every byte went through', async () => {
    const through: string[] = [];
    const content = checkedAtEnd(source('abc', 'def'), 2, 2, () => new Error('not that document'));
    await expect(
      (async () => {
        for await (const chunk of content) through.push(String(chunk));
      })(),
    ).rejects.toThrow('not that document');
    expect(through.join('')).toBe('abcdef');
  });
});
