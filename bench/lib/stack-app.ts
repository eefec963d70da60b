/**
 * The second baseline of bench:api: Claimflow's own service (`buildApp`, every plugin and hook, logger at `error`)
 * with one more route, `POST /v1/stack`, declared with the decision route's contract (body validated by the same zod
 * schema, plain JSON serializer, `cache-control` set) that answers a fixed decision without reading a token or deciding.
 * Its cost over the bare Fastify is the HTTP stack the service needs; the warm decision's cost over it is the deciding.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { buildApp } from '../../api/app';
import { decisionRoutesContract } from '../../api/contract/decisions';
import { plainSerializer } from '../../api/plugins/contract';

const answer = JSON.parse(process.env.BARE_BODY ?? '{"decision":"hello"}') as Record<string, unknown>;
const app = await buildApp({
  dataDir: mkdtempSync(join(tmpdir(), 'cf-bench-stack-')),
  adminKey: 'bench-admin-key-0123456789abcdef',
  logger: { level: 'error' },
  editorDir: null,
});
app
  .withTypeProvider<ZodTypeProvider>()
  .post(
    '/v1/stack',
    { schema: decisionRoutesContract.post, serializerCompiler: plainSerializer },
    async (_request, reply) => {
      reply.header('cache-control', 'private, no-store');
      return { ...answer } as never;
    },
  );
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address() as { port: number };
console.log(`listening on http://127.0.0.1:${address.port}`);
