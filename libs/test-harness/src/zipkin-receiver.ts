import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A span as the Zipkin exporter sends it (Zipkin API v2, JSON). */
export interface ZipkinSpan {
  traceId: string;
  id: string;
  parentId?: string;
  name: string;
  kind?: 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER';
  localEndpoint: { serviceName: string };
  tags?: Record<string, string>;
}

/** A Zipkin collector reduced to what the exporter needs: POST /api/v2/spans, answer 202; the spans kept in `spans`. */
export async function startZipkinReceiver(): Promise<{ server: Server; endpoint: string; spans: ZipkinSpan[] }> {
  const spans: ZipkinSpan[] = [];
  const server = createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    if (request.method === 'POST' && request.url === '/api/v2/spans') {
      spans.push(...(JSON.parse(body) as ZipkinSpan[]));
      response.writeHead(202).end();
    } else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2/spans`, spans };
}
