import { createServer } from 'node:http';
import { expect, it } from 'vitest';
import { download } from './staff-lists';

it('download: first byte before the whole, bytes and lines counted, the server’s memory sampled meanwhile', async () => {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/csv' });
    response.write('a,b\n');
    setTimeout(() => response.end('1,2\n3,4\n'), 100);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as { port: number };
    const result = await download(`http://127.0.0.1:${port}`, '/x.csv', {}, process.pid);
    expect(result).toMatchObject({ status: 200, bytes: 12, lines: 3 });
    expect(result.firstByteMs).toBeLessThan(result.wholeMs);
    expect(result.rssGrowthBytes).toBeGreaterThanOrEqual(0);
  } finally {
    server.close();
  }
});

it('download: a server that never answers is a failed download (status 0), not an exception', async () => {
  const server = createServer(() => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as { port: number };
    const result = await download(`http://127.0.0.1:${port}`, '/x.csv', {}, process.pid, 200);
    expect(result).toMatchObject({ status: 0, bytes: 0 });
    expect(result.wholeMs).toBeNaN();
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
