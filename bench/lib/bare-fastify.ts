/**
 * The baseline of bench:api: a bare Fastify that receives the same requests as the service (same headers, same JSON
 * body, parsed) and answers the same response body (`BARE_BODY`, default a small JSON), with no other work.
 */
import Fastify from 'fastify';

const body = process.env.BARE_BODY ?? '{"decision":"hello"}';
const app = Fastify({ logger: false });
app.post('/v1/decisions', async (_request, reply) => reply.type('application/json; charset=utf-8').send(body));
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address() as { port: number };
console.log(`listening on http://127.0.0.1:${address.port}`);
