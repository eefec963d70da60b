/** Who is calling the admin API: a signed-in user, an API token or the break-glass admin key; and who to audit. */
import type { FastifyRequest } from 'fastify';
import type { Role } from '../contract/accounts';
import type { Actor, ApiToken, AuditDraft, User } from '../store/store';

export interface Principal {
  type: 'user' | 'token' | 'admin-key';
  id: string | null;
  /** The user's email, the token's name, or `admin key`. */
  name: string;
  email: string | null;
  role: Role;
  /** SHA-256 of the session id when the request was authorized by the session cookie (CSRF applies). */
  sessionHash: string | null;
}

export const ADMIN_KEY_PRINCIPAL: Principal = {
  type: 'admin-key',
  id: null,
  name: 'admin key',
  email: null,
  role: 'admin',
  sessionHash: null,
};

export const userPrincipal = (user: User, sessionHash: string | null): Principal => ({
  type: 'user',
  id: user.id,
  name: user.email,
  email: user.email,
  role: user.role,
  sessionHash,
});

export const tokenPrincipal = (token: ApiToken): Principal => ({
  type: 'token',
  id: token.id,
  name: token.name,
  email: null,
  role: token.role,
  sessionHash: null,
});

/** The public view of a principal (no session hash). */
export const principalView = (p: Principal) => ({ type: p.type, id: p.id, name: p.name, email: p.email, role: p.role });

export const actorOf = (p: Principal | undefined): Actor =>
  p ? { type: p.type, id: p.id, name: p.name } : { type: 'system', id: null, name: 'system' };

/** The audit entry of an admin write made by this request's principal. */
export function auditOf<R>(
  request: FastifyRequest,
  action: string,
  target: string,
  diff: { before?: unknown; after?: unknown; afterOf?: (result: R) => unknown } = {},
): AuditDraft<R> {
  return { actor: actorOf(request.principal), action, target, ...diff };
}

/** The author recorded on a version: the user or token; with the admin key, the name the caller gave. */
export function authorOf(request: FastifyRequest, given: string): string {
  const p = request.principal;
  if (!p || p.type === 'admin-key') return given;
  return p.type === 'token' ? `token:${p.name}` : p.name;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** The weakest role that may call this admin route (checked by one hook; routes without one need admin). */
    role?: Role;
    /** An admin route reachable without signing in (sign-in itself, single sign-on callbacks). */
    public?: boolean;
  }
}
