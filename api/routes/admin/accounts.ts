/**
 * Admin: people. `/session` (sign in with a password, who am I, sign out, change password), `/users`, `/tokens`
 * (API tokens, shown once, stored hashed), `/audit` (the append-only log, filtered and paged). Shapes come from
 * `api/contract/accounts.ts`; every write is audited in the same transaction as the change.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ClaimflowError } from '../../../engine';
import { changedPaths } from '../../accounts/audit-diff';
import { hashPassword, verifyPassword } from '../../accounts/password';
import { auditOf, principalView, userPrincipal } from '../../accounts/principal';
import { newApiToken, newId, newSessionId, sha256 } from '../../accounts/secrets';
import {
  DEFAULT_SESSION_LIFETIME,
  expiryAt,
  SESSION_COOKIE,
  type SessionLifetime,
  secureFor,
  setSessionCookie,
} from '../../accounts/session-cookie';
import { createSignInLimiter, type SignInLimitOptions } from '../../accounts/sign-in-limit';
import type { AppContext } from '../../app-context';
import { accountRoutesContract } from '../../contract/accounts';
import { routePlugin } from '../../plugins/define-plugin';
import type { User } from '../../store/store';

export interface AccountOptions {
  /** Session idle lifetime in milliseconds: each use extends the session to this from now (default 12 hours). */
  sessionTtlMs?: number;
  /** Absolute session lifetime from sign-in in milliseconds, however busy (default 7 days). */
  sessionMaxMs?: number;
  /** `auto` (default): Secure cookies when the request came over HTTPS (honouring a trusted proxy); or always/never. */
  secureCookies?: 'auto' | 'always' | 'never';
  signInLimit?: SignInLimitOptions;
  /** Set when single sign-on is configured: what the sign-in page shows. */
  oidcLabel?: string | null;
}

export { secureFor };

/** The sliding lifetime of sessions for these options. */
export function sessionLifetime(options: Pick<AccountOptions, 'sessionTtlMs' | 'sessionMaxMs'>): SessionLifetime {
  const idleMs = options.sessionTtlMs ?? DEFAULT_SESSION_LIFETIME.idleMs;
  return { idleMs, maxMs: Math.max(idleMs, options.sessionMaxMs ?? DEFAULT_SESSION_LIFETIME.maxMs) };
}

/**
 * Starts a session for `user`: a fresh random id (never one the request brought: no fixation), stored only as its
 * SHA-256, sent as an HttpOnly, SameSite=Lax cookie (Secure behind HTTPS) with an expiry. Returns the session body.
 */
export async function startSession(
  ctx: Pick<AppContext, 'store'>,
  request: FastifyRequest,
  reply: FastifyReply,
  user: User,
  options: AccountOptions,
) {
  const previous = request.cookies[SESSION_COOKIE];
  if (previous) await ctx.store.deleteSession(sha256(previous));
  const id = newSessionId();
  const idHash = sha256(id);
  const now = new Date();
  const expiresAt = new Date(expiryAt(now.getTime(), now.getTime(), sessionLifetime(options)));
  await ctx.store.createSession({
    idHash,
    userId: user.id,
    createdAt: now.toISOString(),
    expiresAt: expiresAt.toISOString(),
  });
  const secure = secureFor(request, options.secureCookies);
  setSessionCookie(request, reply, id, expiresAt, options.secureCookies);
  request.principal = userPrincipal(user, idHash);
  await ctx.store.appendAudit(
    auditOf(request, 'session.signin', `user:${user.id}`, { after: { address: request.ip } }),
  );
  return {
    principal: principalView(request.principal),
    csrfToken: await reply.generateCsrf({ userInfo: idHash, secure }),
    expiresAt: expiresAt.toISOString(),
  };
}

async function accountRoutesPlugin(base: FastifyInstance, options: AccountOptions): Promise<void> {
  const ctx = base.claimflow;
  const app = base.withTypeProvider<ZodTypeProvider>();
  const c = accountRoutesContract;
  const { store } = ctx;
  const limiter = createSignInLimiter(store, options.signInLimit);

  // ---- session ----
  app.get('/session/options', { config: { public: true }, schema: c.signInOptions }, async () => ({
    password: true,
    oidc: options.oidcLabel ? { start: '/admin/v1/session/oidc', label: options.oidcLabel } : null,
  }));

  app.post('/session', { config: { public: true }, schema: c.signIn }, async (request, reply) => {
    const body = request.body;
    await limiter.check(request, reply, body.email);
    const user = await store.getUserByEmail(body.email);
    const ok = await verifyPassword(body.password, user ? await store.getPasswordHash(user.id) : null);
    if (!user || !ok) {
      // Recorded in the audit log of the shared store, which is also what the limits count.
      await limiter.fail(request, body.email);
      throw new ClaimflowError('CF_SIGNIN_FAILED', 'the email or the password is wrong', { field: 'password' });
    }
    return startSession(ctx, request, reply, user, options);
  });

  app.get('/session', { config: { role: 'viewer' }, schema: c.session }, async (request, reply) => {
    const p = request.principal!;
    const session = p.sessionHash ? await store.getSession(p.sessionHash) : null;
    return {
      ok: true as const,
      principal: principalView(p),
      csrfToken: p.sessionHash
        ? await reply.generateCsrf({ userInfo: p.sessionHash, secure: secureFor(request, options.secureCookies) })
        : null,
      expiresAt: session?.session.expiresAt ?? null,
    };
  });

  app.delete('/session', { config: { role: 'viewer' }, schema: c.signOut }, async (request, reply) => {
    const p = request.principal!;
    if (p.sessionHash) await store.deleteSession(p.sessionHash, auditOf(request, 'session.signout', `user:${p.id}`));
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.status(204).send(null);
  });

  app.put('/session/password', { config: { role: 'viewer' }, schema: c.changePassword }, async (request, reply) => {
    const p = request.principal!;
    if (p.type !== 'user' || p.id === null)
      throw new ClaimflowError('CF_REQUEST_INVALID', 'only a signed-in user has a password to change', {
        field: 'authorization',
      });
    const body = request.body;
    await limiter.check(request, reply, p.email ?? '');
    if (!(await verifyPassword(body.currentPassword, await store.getPasswordHash(p.id)))) {
      await limiter.fail(request, p.email ?? '');
      throw new ClaimflowError('CF_SIGNIN_FAILED', 'the current password is wrong', { field: 'currentPassword' });
    }
    const user = await store.updateUser(
      p.id,
      { passwordHash: await hashPassword(body.newPassword) },
      auditOf(request, 'user.password', `user:${p.id}`, { after: { password: 'changed' } }),
    );
    return startSession(ctx, request, reply, user, options);
  });

  // ---- users ----
  app.get('/users', { config: { role: 'admin' }, schema: c.listUsers }, async () => store.listUsers());

  app.post('/users', { config: { role: 'admin' }, schema: c.createUser }, async (request, reply) => {
    const body = request.body;
    const id = newId('u');
    const user = await store.createUser(
      {
        id,
        email: body.email,
        name: body.name,
        role: body.role,
        passwordHash: body.password ? await hashPassword(body.password) : null,
        subject: null,
      },
      auditOf<User>(request, 'user.create', `user:${id}`, { afterOf: (u) => u }),
    );
    return reply.status(201).send(user);
  });

  const userOr404 = async (id: string) => {
    const user = await store.getUser(id);
    if (!user) throw new ClaimflowError('CF_USER_NOT_FOUND', `no user "${id}"`, { field: 'id' });
    return user;
  };

  app.get('/users/:id', { config: { role: 'admin' }, schema: c.getUser }, async (request) =>
    userOr404(request.params.id),
  );

  app.patch('/users/:id', { config: { role: 'admin' }, schema: c.patchUser }, async (request) => {
    const body = request.body;
    const before = await userOr404(request.params.id);
    return store.updateUser(
      before.id,
      {
        name: body.name,
        role: body.role,
        passwordHash: body.password ? await hashPassword(body.password) : undefined,
      },
      auditOf<User>(request, 'user.update', `user:${before.id}`, {
        before,
        afterOf: (u) => (body.password ? { ...u, password: 'changed' } : u),
      }),
    );
  });

  app.delete('/users/:id', { config: { role: 'admin' }, schema: c.deleteUser }, async (request, reply) => {
    const before = await userOr404(request.params.id);
    await store.deleteUser(before.id, auditOf(request, 'user.delete', `user:${before.id}`, { before }));
    return reply.status(204).send(null);
  });

  // ---- API tokens ----
  app.get('/tokens', { config: { role: 'admin' }, schema: c.listTokens }, async () => store.listApiTokens());

  app.post('/tokens', { config: { role: 'admin' }, schema: c.createToken }, async (request, reply) => {
    const body = request.body;
    if (body.expiresAt !== null && Date.parse(body.expiresAt) <= Date.now())
      throw new ClaimflowError('CF_REQUEST_INVALID', 'body.expiresAt: must be in the future', {
        field: 'body.expiresAt',
      });
    const secret = newApiToken();
    const id = newId('t');
    const token = await store.createApiToken(
      {
        id,
        name: body.name,
        role: body.role,
        hash: sha256(secret),
        createdBy: request.principal!.name,
        createdAt: new Date().toISOString(),
        expiresAt: body.expiresAt,
      },
      auditOf(request, 'token.create', `token:${id}`, { afterOf: (t) => t }),
    );
    return reply.status(201).send({ ...token, token: secret });
  });

  app.delete('/tokens/:id', { config: { role: 'admin' }, schema: c.revokeToken }, async (request, reply) => {
    const revoked = await store.revokeApiToken(
      request.params.id,
      auditOf(request, 'token.revoke', `token:${request.params.id}`),
    );
    if (!revoked)
      throw new ClaimflowError('CF_API_TOKEN_NOT_FOUND', `no live API token "${request.params.id}"`, { field: 'id' });
    return reply.status(204).send(null);
  });

  // ---- audit ----
  app.get(
    '/audit',
    {
      config: { role: 'viewer' },
      schema: c.audit,
    },
    async (request) => {
      const q = request.query;
      const entries = await store.listAudit(q);
      return {
        entries: entries.map((e) => ({ ...e, changed: changedPaths(e.before, e.after) })),
        next: entries.length === q.limit ? entries[entries.length - 1].id : null,
      };
    },
  );
}

/** Sessions, users, API tokens and the audit log. */
export const accountRoutes = routePlugin<AccountOptions>('claimflow-account-routes', accountRoutesPlugin);
