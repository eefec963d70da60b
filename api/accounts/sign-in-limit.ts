/**
 * Failed sign-ins are limited per account (email) and per client address. Each failure is an audit entry
 * (`session.signin.failed`, target `email:<address>`, actor id `address:<ip>`) written to the service's store, and the
 * limits count those entries in the window: every instance sharing the store (three on one PostgreSQL, say) counts the
 * same failures, so spreading attempts over instances gains nothing. A sign-in first checks both counts; past a limit
 * the answer is 429 CF_SIGNIN_RATE_LIMITED with Retry-After (until the oldest counted failure leaves the window),
 * before the password is even checked.
 */

import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClaimflowError } from '../../engine';
import { normalizeEmail } from '../store/rules';
import type { AuditQuery, Store } from '../store/store';

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
  /** Records one failed sign-in for the account and the address (an audit entry in the shared store). */
  fail(request: FastifyRequest, email: string): Promise<void>;
}

export const SIGNIN_FAILED = 'session.signin.failed';

export function createSignInLimiter(store: Store, options: SignInLimitOptions = {}): SignInLimiter {
  const windowMs = options.windowMs ?? 15 * 60_000;
  /** Milliseconds until the count of failures matching `query` drops below `max`, or 0 when it is below already. */
  const wait = async (query: AuditQuery, max: number, now: number): Promise<number> => {
    const recent = await store.listAudit({
      ...query,
      action: SIGNIN_FAILED,
      from: new Date(now - windowMs).toISOString(),
      limit: max,
    });
    if (recent.length < max) return 0;
    const oldest = Date.parse(recent[recent.length - 1].at);
    return Math.max(1, oldest + windowMs - now);
  };
  return {
    async check(request, reply, email) {
      const now = Date.now();
      for (const [query, max, what] of [
        [{ target: `email:${normalizeEmail(email)}` }, options.perAccount ?? 5, `the account ${normalizeEmail(email)}`],
        [{ actor: `address:${request.ip}` }, options.perAddress ?? 20, 'this address'],
      ] as const) {
        const ms = await wait(query, max, now);
        if (ms > 0) {
          const seconds = Math.max(1, Math.ceil(ms / 1000));
          reply.header('retry-after', String(seconds));
          throw new ClaimflowError(
            'CF_SIGNIN_RATE_LIMITED',
            `too many failed sign-ins for ${what}: retry in ${seconds} s`,
            { field: 'email' },
          );
        }
      }
    },
    async fail(request, email) {
      await store.appendAudit({
        actor: { type: 'system', id: `address:${request.ip}`, name: 'sign-in' },
        action: SIGNIN_FAILED,
        target: `email:${normalizeEmail(email)}`,
        after: { address: request.ip },
      });
    },
  };
}
