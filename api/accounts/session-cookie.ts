/**
 * The session cookie and its lifetime. Sessions slide: each use moves the expiry to an idle window from now, but never
 * past an absolute maximum counted from sign-in, so a session in daily use still ends and signs in again. The expiry
 * moves at most about once a minute per session (or every tenth of a short idle window), so a busy editor does not
 * write to the store on every request.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'cf_session';

export interface SessionLifetime {
  /** Idle window: a session unused this long ends (default 12 hours). */
  idleMs: number;
  /** Absolute maximum from sign-in, however busy the session (default 7 days). */
  maxMs: number;
}

export const DEFAULT_SESSION_LIFETIME: SessionLifetime = { idleMs: 12 * 3_600_000, maxMs: 7 * 24 * 3_600_000 };

export type SecureCookies = 'auto' | 'always' | 'never';

export const secureFor = (request: FastifyRequest, mode: SecureCookies | undefined): boolean =>
  mode === 'always' ? true : mode === 'never' ? false : request.protocol === 'https';

/** The expiry of a session signed in at `createdAt`, as of `now`. */
export function expiryAt(createdAt: number, now: number, lifetime: SessionLifetime): number {
  return Math.min(now + lifetime.idleMs, createdAt + lifetime.maxMs);
}

/**
 * The later expiry a session in use should get now, or null when it would gain too little to be worth a write.
 * @example slidExpiry({ createdAt, expiresAt }, Date.now(), DEFAULT_SESSION_LIFETIME)
 */
export function slidExpiry(
  session: { createdAt: string; expiresAt: string },
  now: number,
  lifetime: SessionLifetime,
): Date | null {
  const target = expiryAt(Date.parse(session.createdAt), now, lifetime);
  const gain = target - Date.parse(session.expiresAt);
  return gain >= Math.min(60_000, lifetime.idleMs / 10) ? new Date(target) : null;
}

export function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  id: string,
  expires: Date,
  secureCookies: SecureCookies | undefined,
): void {
  reply.setCookie(SESSION_COOKIE, id, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: secureFor(request, secureCookies),
    expires,
  });
}
