/** A real JWKS HTTP server on loopback for tests: serves keys, fails, redirects or hangs on demand, counts requests. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Behaviour =
  | { kind: 'jwks'; body: unknown }
  | { kind: 'status'; status: number }
  | { kind: 'redirect'; location: string }
  | { kind: 'text'; body: string; contentType?: string }
  | { kind: 'hang' };

export interface JwksServer {
  /** The URL of the key set; any path on the server gets the same answer. */
  url: string;
  /** Requests received so far (every path). */
  requests: number;
  behaviour: Behaviour;
  close(): Promise<void>;
}

export async function startJwksServer(behaviour: Behaviour): Promise<JwksServer> {
  const sockets = new Set<Socket>();
  const state: JwksServer = { url: '', requests: 0, behaviour, close: async () => undefined };
  const server = createServer((_req: IncomingMessage, res: ServerResponse) => {
    state.requests++;
    const b = state.behaviour;
    if (b.kind === 'hang') return;
    if (b.kind === 'status') return res.writeHead(b.status, { 'content-type': 'text/plain' }).end('error');
    if (b.kind === 'redirect') return res.writeHead(302, { location: b.location }).end();
    if (b.kind === 'text') return res.writeHead(200, { 'content-type': b.contentType ?? 'text/html' }).end(b.body);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(b.body));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  state.close = () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return state;
}
