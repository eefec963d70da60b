/**
 * Failed sign-ins are limited per account (email) and per client address with @fastify/rate-limit's manual limiter:
 * a sign-in first peeks at both counters (without counting), and only a failure counts. Past the limit the answer is
 * 429 CF_SIGNIN_RATE_LIMITED with Retry-After, before the password is even checked. Counters live in the process
 * (each instance counts its own attempts).
 */

import type {} from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ClaimflowError } from '../../engine';
import { normalizeEmail } from '../store/lib/rows';

export interface SignInLimitOptions {
  /** Failed sign-ins allowed per account in the window (default 5). */
  perAccount?: number;
  /** Failed sign-ins allowed per client address in the window (default 20). */
  perAddress?: number;
  /** The window in milliseconds (default 15 minutes). */
  windowMs?: number;
}

export interface SignInLimiter {
  /** Throws CF_SIGNIN_RATE_LIMITED (setting Retry-After) when the account or the address is over its limit. */
  check(request: FastifyRequest, reply: FastifyReply, email: string): Promise<void>;
  /** Counts one failed sign-in for the account and the address. */
  fail(request: FastifyRequest, email: string): Promise<void>;
}

export function createSignInLimiter(app: FastifyInstance, options: SignInLimitOptions = {}): SignInLimiter {
  const timeWindow = options.windowMs ?? 15 * 60_000;
  const emailOf = (request: FastifyRequest) => {
    const body = request.body as { email?: unknown } | undefined;
    return `account:${normalizeEmail(typeof body?.email === 'string' ? body.email : '')}`;
  };
  const account = app.createRateLimit({ max: options.perAccount ?? 5, timeWindow, keyGenerator: emailOf });
  const address = app.createRateLimit({
    max: options.perAddress ?? 20,
    timeWindow,
    keyGenerator: (request) => `address:${request.ip}`,
  });
  return {
    async check(request, reply, email) {
      for (const [limit, what] of [
        [account, `the account ${normalizeEmail(email)}`],
        [address, 'this address'],
      ] as const) {
        const state = await limit(request, { increment: false });
        if (!state.isAllowed && state.remaining <= 0 && state.ttl > 0) {
          const seconds = Math.max(1, Math.ceil(state.ttl / 1000));
          reply.header('retry-after', String(seconds));
          throw new ClaimflowError(
            'CF_SIGNIN_RATE_LIMITED',
            `too many failed sign-ins for ${what}: retry in ${seconds} s`,
            { field: 'email' },
          );
        }
      }
    },
    async fail(request) {
      await account(request);
      await address(request);
    },
  };
}
