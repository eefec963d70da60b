/** A real JWKS HTTP server on loopback for tests: serve keys, fail, redirect or hang on demand, count requests. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Behaviour =
  | { kind: 'jwks'; body: unknown }
  | { kind: 'status'; status: number }
  | { kind: 'redirect'; location: string }
  | { kind: 'text'; body: string }
  | { kind: 'hang' };

export interface JwksServer {
  url: string;
  requests: number;
  behaviour: Behaviour;
  close(): Promise<void>;
}

export async function startJwksServer(behaviour: Behaviour): Promise<JwksServer> {
  const sockets = new Set<import('node:net').Socket>();
  const state: JwksServer = { url: '', requests: 0, behaviour, close: async () => undefined };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    state.requests++;
    const b = state.behaviour;
    if (b.kind === 'hang') return;
    if (b.kind === 'status') return res.writeHead(b.status).end('error');
    if (b.kind === 'redirect') return res.writeHead(302, { location: b.location }).end();
    if (b.kind === 'text') return res.writeHead(200, { 'content-type': 'text/html' }).end(b.body);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(b.body));
    void req;
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  state.close = () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return state;
}
