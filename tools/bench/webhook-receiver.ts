/**
 * The bench's webhook receiver: what the pipeline figure's subscriptions deliver to, the product's
 * (`/product`, subscribed through the notification API) and the bare chain's (`/baseline`).
 */
import { createServer, type Server } from 'node:http';
import { performance } from 'node:perf_hooks';

const epochNow = () => performance.timeOrigin + performance.now();

/** Receives the webhooks of both sides (`/product`, `/baseline`): the first arrival of each dossier's, in epoch ms. */
export interface WebhookReceiver {
  url: string;
  received: Map<string, number>;
  stop(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received = new Map<string, number>();
  const server: Server = createServer((request, response) => {
    const at = epochNow();
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      try {
        const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { subject?: string; data?: { dossierId?: string } };
        const dossierId = event.data?.dossierId ?? event.subject;
        const key = `${request.url?.startsWith('/baseline') ? 'baseline' : 'product'}:${dossierId}`;
        if (dossierId && !received.has(key)) received.set(key, at);
      } catch {
        // Not an event of ours: answered all the same.
      }
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
