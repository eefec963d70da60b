/**
 * The admin side's credentials, registered once at the root: the only plugin holding the admin key. It decorates
 * the root instance with
 * - `adminAuthLimit`, `authenticateAdmin`: the onRequest hooks the admin plugin adds to its own scope (the failure
 *   limit first, then who is calling and with which role: ./authenticate.ts);
 * - `authorizePreview(request)`: whether a decision request may preview a draft or a version (`x-claimflow-preview`);
 *   the public decisions plugin asks it and never sees the key;
 * - `previewAuthLimit`: the hook the decisions plugin runs on requests carrying a preview header.
 * Failed admin authentications and refused previews share one failure limit per client address (429
 * CF_AUTH_RATE_LIMITED), so a preview header cannot be used to guess the key faster than the admin API allows.
 *
 * A preview is authorized by the admin key or by a live API token (any role: a preview is a dry run showing no more
 * than a viewer's feature test does), both sent in the `x-claimflow-admin-key` header, because `Authorization`
 * carries the visitor's token on decision requests.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sha256 } from '../accounts/secrets';
import type { SecureCookies, SessionLifetime } from '../accounts/session-cookie';
import { adminKeyOf, isAdminKey } from './admin-auth';
import { type AuthLimitHook, authRateLimit } from './auth-rate-limit';
import { authenticate, resolvePrincipal } from './authenticate';
import { PLUGIN, sharedPlugin } from './define-plugin';

export interface AdminAccessOptions {
  adminKey: string;
  /** Failed authentications allowed per client address and window before 429 CF_AUTH_RATE_LIMITED. */
  maxFailures: number;
  windowMs: number;
  sessions: { lifetime: SessionLifetime; secureCookies?: SecureCookies };
}

export const adminAccess = sharedPlugin<AdminAccessOptions>(
  PLUGIN.adminAccess,
  async (app, options) => {
    const credentials = { store: app.claimflow.store, adminKey: options.adminKey };

    const previews = new WeakMap<FastifyRequest, Promise<boolean>>();
    /** Looked up once per request: the limit's check and the decisions plugin ask the same question. */
    const authorizePreview = (request: FastifyRequest): Promise<boolean> => {
      let allowed = previews.get(request);
      if (allowed === undefined) {
        allowed = previewAllowed(request);
        previews.set(request, allowed);
      }
      return allowed;
    };
    const previewAllowed = async (request: FastifyRequest): Promise<boolean> => {
      const given = adminKeyOf(request);
      if (given === undefined || given === '') return false;
      if (isAdminKey(given, options.adminKey)) return true;
      return (await credentials.store.touchApiToken(sha256(given))) !== null;
    };

    const previewRequests = new WeakSet<FastifyRequest>();
    const limit = await authRateLimit(app, {
      max: options.maxFailures,
      windowMs: options.windowMs,
      // Any valid credential (admin key, API token, session) is not a failure; sign-in has its own limits.
      authenticated: async (request) => {
        if (previewRequests.has(request)) return authorizePreview(request);
        if (request.routeOptions.config.public === true) return true;
        if (isAdminKey(adminKeyOf(request), options.adminKey)) return true;
        return resolvePrincipal(request, credentials).then(
          (principal) => {
            request.principal = principal; // looked up once: the authentication hook reuses it
            return true;
          },
          () => false,
        );
      },
    });

    app.decorate('adminAuthLimit', limit);
    app.decorate('authenticateAdmin', authenticate(app, credentials, options.sessions));
    app.decorate('authorizePreview', authorizePreview);
    app.decorate('previewAuthLimit', (request: FastifyRequest, reply: FastifyReply) => {
      previewRequests.add(request);
      return limit(request, reply);
    });
  },
  { plugins: [PLUGIN.context, '@fastify/csrf-protection'], decorators: ['claimflow', 'csrfProtection'] },
);

declare module 'fastify' {
  interface FastifyInstance {
    /** True when the request's `x-claimflow-admin-key` header holds the admin key or a live API token. */
    authorizePreview(request: FastifyRequest): Promise<boolean>;
    /** The shared failure limit, for a request carrying a preview header. */
    previewAuthLimit: AuthLimitHook;
    /** The shared failure limit, for the admin API (add before `authenticateAdmin`). */
    adminAuthLimit: AuthLimitHook;
    /** Who calls the admin API and whether their role suffices (CF_AUTH_*, CF_CSRF_INVALID, CF_FORBIDDEN). */
    authenticateAdmin: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}
