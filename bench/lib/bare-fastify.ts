/** The baseline of bench:api: a bare Fastify hello-world answering POST with a small JSON body. */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.post('/v1/decisions', async () => ({ decision: 'hello' }));
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address() as { port: number };
console.log(`listening on http://127.0.0.1:${address.port}`);
