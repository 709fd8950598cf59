import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
  /** Date.now() when the request was complete. */
  at: number;
}

/**
 * A webhook receiver on 127.0.0.1, reached as `http://<host>:<port>/hooks/aap`, answering each
 * request with the next status of `statuses` (the last one repeats) and `answerBody`, `delayMs`
 * after the request is complete (a slow receiver).
 */
export async function startReceiver(
  statuses: number[],
  options: { host?: string; answerBody?: (status: number) => string; delayMs?: number } = {},
): Promise<{ url: string; port: number; received: Received[]; close(): Promise<void> }> {
  const answerBody = options.answerBody ?? ((status: number) => (status === 200 ? 'ok' : 'receiver down'));
  const received: Received[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const answered = statuses[Math.min(received.length, statuses.length - 1)]!;
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), answered, at: Date.now() });
      const answer = () => response.writeHead(answered, { 'content-type': 'text/plain' }).end(answerBody(answered));
      if (options.delayMs) setTimeout(answer, options.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}/hooks/aap`,
    port,
    received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
