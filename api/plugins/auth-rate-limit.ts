/**
 * Rate limit on failed authentication, per client address (@fastify/rate-limit). Requests that authenticate are
 * never counted; every other request to the guarded scope counts, and past `max` in `windowMs` the client gets 429
 * `CF_AUTH_RATE_LIMITED` with `Retry-After` until the window ends. Reusable by any credential check: pass the
 * predicate that says a request carries valid credentials, and add the returned hook before the auth hook.
 * Counters live in this process (several instances each keep their own).
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ClaimflowError } from '../../engine';

export interface AuthRateLimitOptions {
  /** Failed attempts allowed per client address within the window. */
  max: number;
  windowMs: number;
  /** True when the request carries valid credentials (it is then neither counted nor limited). */
  authenticated: (request: FastifyRequest) => boolean | Promise<boolean>;
}

/** A limiter hook: one counter per client address, shared by every scope the hook is added to. */
export type AuthLimitHook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/**
 * Registers the limiter on `scope` and returns the onRequest hook to add (before the authentication hook) to each
 * scope whose credential checks it guards; call it from a wrapper to guard only some requests of a scope.
 */
export async function authRateLimit(scope: FastifyInstance, options: AuthRateLimitOptions): Promise<AuthLimitHook> {
  await scope.register(rateLimit, {
    global: false,
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
    addHeaders: {
      'x-ratelimit-limit': false,
      'x-ratelimit-remaining': false,
      'x-ratelimit-reset': false,
      'retry-after': true,
    },
  });
  const hook = scope.rateLimit({
    max: options.max,
    timeWindow: options.windowMs,
    keyGenerator: (request) => request.ip,
    allowList: (request) => options.authenticated(request),
    errorResponseBuilder: (_request, context) =>
      new ClaimflowError(
        'CF_AUTH_RATE_LIMITED',
        `too many failed authentications from this address; retry in ${context.after}`,
      ),
  });
  return async (request, reply) => {
    await hook.call(scope, request, reply);
  };
}
