/**
 * The HTTP contract at work: Fastify validates params, query and body with the route's zod schemas
 * (`api/contract/`) and serializes responses through the declared response schema of their status, so nothing
 * undeclared leaves the service. A validation failure becomes the one error shape (`CF_REQUEST_INVALID`, or the
 * route's `config.invalidCode`), naming the first offending field as `body.x.y`, `params.x` or `query.x`.
 *
 * With `checkResponses` (tests), every response is also compared with what the handler produced: a field the schema
 * does not declare is an error (500 naming it) instead of being silently dropped, so the document cannot drift.
 */
import { isDeepStrictEqual } from 'node:util';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FastifySerializerCompiler } from 'fastify/types/schema';
import type { z } from 'zod';
import { ClaimflowError, type ErrorCode } from '../../engine';
import { PLUGIN, sharedPlugin } from './define-plugin';

/** A request part that does not match its schema (turned into the error shape by the error handler). */
export class ContractValidationError extends Error {
  constructor(
    readonly part: string,
    readonly issues: readonly z.core.$ZodIssue[],
  ) {
    super(issues[0]?.message ?? 'invalid');
  }
}

const PART_NAMES: Record<string, string> = { body: 'body', params: 'params', querystring: 'query', headers: 'headers' };

/** The coded error for a validation failure, with the code the route asks for. */
export function validationErrorOf(error: ContractValidationError, request: FastifyRequest): ClaimflowError {
  const code = request.routeOptions.config.invalidCode ?? 'CF_REQUEST_INVALID';
  const issues = error.issues.map((i) => ({ field: [error.part, ...i.path].join('.'), message: i.message }));
  const first = issues[0] ?? { field: error.part, message: 'not valid' };
  return new ClaimflowError(code, `${first.field}: ${first.message}`, { field: first.field }, issues);
}

/** Used by routes whose handler validates the body itself (merge patches, suite files): documented, not parsed. */
export const handlerValidates = () => (data: unknown) => ({ value: data });

export class ResponseContractError extends Error {
  readonly statusCode = 500;
}

/** Plain `JSON.stringify`: for the warm decision routes, where a zod pass per answer would cost CPU (issue 15). */
export const plainSerializer = () => (data: unknown) => JSON.stringify(data);

function serializerCompiler(checkResponses: boolean): FastifySerializerCompiler<z.ZodType> {
  return ({ schema, method, url, httpStatus }) => {
    const zod = schema as z.ZodType;
    return (data: unknown) => {
      const result = zod.safeEncode(data);
      if (!result.success) {
        const first = result.error.issues[0];
        throw new ResponseContractError(
          `${method} ${url} ${httpStatus}: the response does not match its schema at ${first.path.join('.') || '(root)'}: ${first.message}`,
        );
      }
      const json = JSON.stringify(result.data);
      if (checkResponses && !isDeepStrictEqual(JSON.parse(json), JSON.parse(JSON.stringify(data))))
        throw new ResponseContractError(
          `${method} ${url} ${httpStatus}: the response has fields its schema does not declare: ${json.slice(0, 300)} vs ${JSON.stringify(data).slice(0, 300)}`,
        );
      return json;
    };
  };
}

export function installContract(app: FastifyInstance, options: { checkResponses: boolean }): void {
  app.setValidatorCompiler<z.ZodType>(({ schema, httpPart }) => {
    const part = PART_NAMES[httpPart ?? 'body'] ?? 'body';
    return (data: unknown) => {
      const result = schema.safeParse(part === 'body' && data === undefined ? {} : data);
      if (result.success) return { value: result.data };
      return { error: new ContractValidationError(part, result.error.issues) };
    };
  });
  app.setSerializerCompiler(serializerCompiler(options.checkResponses));
  if (options.checkResponses)
    // a status the route does not declare is as much a drift as an undeclared field
    app.addHook('onSend', async (request, reply, payload) => {
      const declared = (request.routeOptions.schema as { response?: Record<string, unknown> } | undefined)?.response;
      if (!declared || reply.statusCode >= 500 || String(reply.statusCode) in declared) return payload;
      throw new ResponseContractError(
        `${request.method} ${request.routeOptions.url} answered ${reply.statusCode}, which its schema does not declare`,
      );
    });
}

/** A checking serializer for the decision routes when responses are checked (tests); plain otherwise. */
export function hotSerializer(checkResponses: boolean): FastifySerializerCompiler<unknown> {
  return (checkResponses ? serializerCompiler(true) : plainSerializer) as FastifySerializerCompiler<unknown>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The code a request failing its schema answers with (default CF_REQUEST_INVALID). */
    invalidCode?: ErrorCode;
  }
}

/** The contract at the root: every route's schemas validate and serialize as described above. */
export const contract = sharedPlugin<{ checkResponses: boolean }>(PLUGIN.contract, async (app, options) =>
  installContract(app, options),
);
