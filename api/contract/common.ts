/**
 * Shapes every route shares: the one error shape, ids, the security requirements, and `route()`, which puts an
 * operation's id, summary, tags, security and per-status responses (success and errors) in one place. Pure zod (no
 * Node built-ins): the service validates and serializes with these schemas, `/docs/json` is generated from them and
 * the editor imports their types.
 */
import { z } from 'zod';
import { ERRORS, type ErrorCode } from '../../engine/errors/catalogue';

export const ERROR_CODES = Object.keys(ERRORS) as [ErrorCode, ...ErrorCode[]];

export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES).describe('stable code from the catalogue (docs/ERRORS.md)'),
      message: z.string(),
      field: z.string().optional().describe('the offending field, e.g. body.features.2 or params.id'),
      nodeId: z.string().optional().describe('the offending graph node'),
      edgeId: z.string().optional().describe('the offending graph edge'),
      problems: z.unknown().optional().describe('every problem found, when there are several'),
    }),
  })
  .meta({
    id: 'Error',
    description: 'Every error the service answers (except OFREP endpoints, which use OFREP shapes)',
  });
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** Ids of features, suites, entitlements and products. */
export const IdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'ids use letters, digits and _ . : - (at most 128)');

/** `draft`, `published` or a version number. */
export const AgainstSchema = z
  .union([z.literal('draft'), z.literal('published'), z.number().int().min(1), z.string()])
  .describe('"draft", "published" or a version number (a numeric string is read as a number)');

/** Admin routes accept any of these: the admin key header, an API token (Bearer) or a session cookie (+ CSRF). */
export const ADMIN_SECURITY: Array<Record<string, string[]>> = [{ adminKey: [] }, { apiToken: [] }, { session: [] }];
export const SECURITY_SCHEMES = {
  adminKey: { type: 'apiKey', in: 'header', name: 'x-claimflow-admin-key', description: 'The admin key (full power)' },
  apiToken: { type: 'http', scheme: 'bearer', description: 'An API token (POST /admin/v1/tokens) with its role' },
  session: {
    type: 'apiKey',
    in: 'cookie',
    name: 'cf_session',
    description: 'A signed-in session; state-changing requests also send x-csrf-token',
  },
} as const;

/** The error statuses every route can answer (malformed body or URL, limits, internal, shutting down). */
const BASE_ERRORS = [400, 413, 415, 422, 500, 503] as const;
/** And those of every authenticated admin route. */
const ADMIN_ERRORS = [...BASE_ERRORS, 401, 403, 429] as const;

type Responses = Record<number, z.ZodType>;

export interface RouteSpec {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  /** Authenticated admin route (default) or public. */
  access: 'admin' | 'public';
  params?: z.ZodType;
  querystring?: z.ZodType;
  body?: z.ZodType;
  /** Success statuses and their bodies (`z.null()` for an empty body). */
  ok: Responses;
  /** Extra error statuses (404, 409...) beyond those every route has. */
  errors?: number[];
}

/** A Fastify route schema from a spec: every success and error status with its body, security and operation id. */
export function route<S extends RouteSpec>(
  spec: S,
): Omit<S, 'ok' | 'errors' | 'access'> & {
  security: typeof ADMIN_SECURITY;
  /** Typed with the success statuses only (handlers throw coded errors); the error statuses are there at run time. */
  response: S['ok'];
} {
  const { ok, errors, access, ...rest } = spec;
  const response: Responses = { ...ok };
  const errorStatuses = new Set<number>([...(access === 'admin' ? ADMIN_ERRORS : BASE_ERRORS), ...(errors ?? [])]);
  for (const status of [...errorStatuses].sort()) if (!(status in response)) response[status] = ErrorBodySchema;
  return {
    ...rest,
    security: access === 'admin' ? ADMIN_SECURITY : [],
    response: response as S['ok'],
  };
}

export const NoContent = z.null().describe('No content');
export const IdParams = z.object({ id: IdSchema.describe('feature id') }).strict();

const STATUS_TEXT: Record<string, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No content',
  302: 'Redirect',
  304: 'Not modified: the If-None-Match ETag is current',
  400: 'Malformed request (bad JSON, bad URL)',
  401: 'No valid credential (or sign-in failed)',
  403: 'The credential lacks the role this route needs (or a CSRF token is missing)',
  404: 'Not found',
  409: 'Conflicts with the current state (in use, exists, unpublished, suites failing)',
  413: 'Too large',
  415: 'Unsupported media type',
  422: 'Well-formed but not valid: the error names the field',
  429: 'Too many failed authentications or sign-ins',
  500: 'Unexpected error (the message has the request id)',
  503: 'Not ready, shutting down, or a store is unreachable',
};

/** Replaces @fastify/swagger's "Default Response" by what each status means. */
export function describeResponses<T>(document: T): T {
  const paths =
    (document as { paths?: Record<string, Record<string, { responses?: Record<string, { description?: string }> }>> })
      .paths ?? {};
  for (const operations of Object.values(paths))
    for (const operation of Object.values(operations))
      for (const [status, response] of Object.entries(operation.responses ?? {}))
        if (response.description === 'Default Response') response.description = STATUS_TEXT[status] ?? 'Response';
  return document;
}
