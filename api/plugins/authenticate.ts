/**
 * One hook for the whole admin plugin: who is calling (admin key header, `Authorization: Bearer` API token, or the
 * session cookie), CSRF for state-changing requests authorized by the cookie, and the role the route declares
 * (`config: { role }`, default admin). Sessions and tokens are looked up in the store on every request, so a
 * sign-out or a revoked token is refused at once by every instance sharing the store.
 * Errors: CF_AUTH_REQUIRED, CF_AUTH_INVALID (admin key), CF_API_TOKEN_INVALID, CF_SESSION_INVALID (401),
 * CF_CSRF_INVALID, CF_FORBIDDEN (403, naming the role needed).
 */
import type {} from '@fastify/csrf-protection';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ClaimflowError } from '../../engine';
import { ADMIN_KEY_PRINCIPAL, type Principal, tokenPrincipal, userPrincipal } from '../accounts/principal';
import { sha256 } from '../accounts/secrets';
import {
  SESSION_COOKIE,
  type SecureCookies,
  type SessionLifetime,
  setSessionCookie,
  slidExpiry,
} from '../accounts/session-cookie';
import { type Role, roleAtLeast } from '../contract/accounts';
import type { Session, Store } from '../store/store';
import { ADMIN_KEY_HEADER, adminKeyOf, isAdminKey } from './admin-auth';

export { SESSION_COOKIE };
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The session a request's cookie named, as found while resolving its principal (for sliding it later). */
const sessionOf = new WeakMap<FastifyRequest, Session>();

/** What admin credentials are checked against: the store (sessions, API tokens) and the admin key. */
export interface Credentials {
  store: Store;
  adminKey: string;
}

/** The caller of an admin request, or the error that refuses it. */
export async function resolvePrincipal(request: FastifyRequest, ctx: Credentials): Promise<Principal> {
  const key = adminKeyOf(request);
  if (key !== undefined && key !== '') {
    if (!isAdminKey(key, ctx.adminKey))
      throw new ClaimflowError('CF_AUTH_INVALID', 'the admin key is wrong', { field: ADMIN_KEY_HEADER });
    return ADMIN_KEY_PRINCIPAL;
  }
  const auth = request.headers.authorization;
  if (typeof auth === 'string' && /^bearer\s+/i.test(auth)) {
    const token = auth.replace(/^bearer\s+/i, '').trim();
    const found = token === '' ? null : await ctx.store.touchApiToken(sha256(token));
    if (!found)
      throw new ClaimflowError('CF_API_TOKEN_INVALID', 'the API token is unknown, revoked or expired', {
        field: 'authorization',
      });
    return tokenPrincipal(found);
  }
  const sessionId = request.cookies[SESSION_COOKIE];
  if (sessionId) {
    const idHash = sha256(sessionId);
    const found = await ctx.store.getSession(idHash);
    if (!found)
      throw new ClaimflowError('CF_SESSION_INVALID', 'the session has ended: sign in again', { field: 'cookie' });
    sessionOf.set(request, found.session);
    return userPrincipal(found.user, idHash);
  }
  throw new ClaimflowError(
    'CF_AUTH_REQUIRED',
    `sign in, or send an API token (Authorization: Bearer) or the admin key (${ADMIN_KEY_HEADER})`,
    { field: ADMIN_KEY_HEADER },
  );
}

/** Runs @fastify/csrf-protection's check (token from `x-csrf-token`, bound to the session) and reports the outcome. */
function csrfHolds(app: FastifyInstance, request: FastifyRequest): Promise<boolean> {
  return new Promise((resolve) => {
    // The plugin answers a failure with reply.send(error); this stand-in turns that into `false` so the one error
    // shape of the API (CF_CSRF_INVALID) is used. The secret cookie is unsigned, so the reply is not otherwise used.
    const reply = { send: () => resolve(false) } as unknown as FastifyReply;
    app.csrfProtection(request, reply, () => resolve(true));
  });
}

/** The onRequest hook of the admin plugin. */
export function authenticate(
  app: FastifyInstance,
  ctx: Credentials,
  sessions: { lifetime: SessionLifetime; secureCookies?: SecureCookies },
) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const access = request.routeOptions.config;
    if (access.public === true) return;
    const principal = request.principal ?? (await resolvePrincipal(request, ctx));
    request.principal = principal;
    // Sliding sessions: a session in use moves its expiry (store and cookie), bounded by the absolute maximum.
    const used = sessionOf.get(request);
    const until = used ? slidExpiry(used, Date.now(), sessions.lifetime) : null;
    if (used && until && (await ctx.store.extendSession(used.idHash, until.toISOString())))
      setSessionCookie(request, reply, request.cookies[SESSION_COOKIE] as string, until, sessions.secureCookies);
    if (principal.sessionHash !== null && !SAFE_METHODS.has(request.method) && !(await csrfHolds(app, request)))
      throw new ClaimflowError(
        'CF_CSRF_INVALID',
        `send the CSRF token from GET /admin/v1/session in the ${CSRF_HEADER} header`,
        { field: CSRF_HEADER },
      );
    const needed: Role = access.role ?? 'admin';
    if (!roleAtLeast(principal.role, needed))
      throw new ClaimflowError(
        'CF_FORBIDDEN',
        `${request.method} ${request.routeOptions.url ?? request.url} needs the ${needed} role; ${principal.name} has ${principal.role}`,
        { field: 'role' },
      );
  };
}
