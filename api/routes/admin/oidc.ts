/**
 * Admin: single sign-on. `GET /session/oidc` sends the browser to the provider, keeping state, nonce and the PKCE
 * verifier in a signed, HttpOnly cookie for ten minutes; `GET /session/oidc/callback` exchanges the code, creates the
 * user on first sign-in (role from the mapped claim, refreshed at every sign-in) and starts a session.
 * Without a configured provider both answer 404 CF_OIDC_NOT_CONFIGURED (naming the setting), not a bare 404.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ClaimflowError } from '../../../engine';
import type { Oidc } from '../../accounts/oidc';
import { newId } from '../../accounts/secrets';
import { accountRoutesContract } from '../../contract/accounts';
import { routePlugin } from '../../plugins/define-plugin';
import type { Actor } from '../../store/store';
import { type AccountOptions, secureFor, startSession } from './accounts';

const FLOW_COOKIE = 'cf_oidc';
const FLOW_PATH = '/admin/v1/session/oidc';
const OIDC_ACTOR: Actor = { type: 'system', id: null, name: 'oidc' };
const FlowSchema = z.object({ state: z.string(), nonce: z.string(), verifier: z.string() });

export interface OidcRouteOptions extends AccountOptions {
  /** The configured provider; null: single sign-on is off. */
  oidc: Oidc | null;
  publicUrl?: string;
}

const notConfigured = () =>
  new ClaimflowError(
    'CF_OIDC_NOT_CONFIGURED',
    'single sign-on is not configured on this service (CLAIMFLOW_OIDC_ISSUER): sign in with a password',
    { field: 'oidc' },
  );

async function oidcRoutesPlugin(instance: FastifyInstance, options: OidcRouteOptions): Promise<void> {
  const ctx = instance.claimflow;
  const app = instance.withTypeProvider<ZodTypeProvider>();
  const configured = (): Oidc => {
    if (options.oidc === null) throw notConfigured();
    return options.oidc;
  };
  const base = (request: FastifyRequest) => options.publicUrl ?? `${request.protocol}://${request.host}`;
  const redirectUri = (request: FastifyRequest) => `${base(request)}${FLOW_PATH}/callback`;

  app.get(
    '/session/oidc',
    { config: { public: true }, schema: accountRoutesContract.oidcStart },
    async (request, reply) => {
      const { flow, url } = await configured().start(redirectUri(request));
      reply.setCookie(FLOW_COOKIE, JSON.stringify(flow), {
        path: FLOW_PATH,
        httpOnly: true,
        sameSite: 'lax',
        secure: secureFor(request, options.secureCookies),
        signed: true,
        maxAge: 600,
      });
      return reply.redirect(url, 302);
    },
  );

  app.get(
    '/session/oidc/callback',
    { config: { public: true }, schema: accountRoutesContract.oidcCallback },
    async (request, reply) => {
      const oidc = configured();
      const raw = request.cookies[FLOW_COOKIE];
      reply.clearCookie(FLOW_COOKIE, { path: FLOW_PATH });
      const unsigned = raw ? request.unsignCookie(raw) : null;
      let flow: z.infer<typeof FlowSchema> | null = null;
      try {
        flow = unsigned?.valid && unsigned.value ? FlowSchema.parse(JSON.parse(unsigned.value)) : null;
      } catch {
        flow = null;
      }
      if (!flow)
        throw new ClaimflowError('CF_OIDC_FAILED', 'no sign-in in progress in this browser: start again', {
          field: 'oidc',
        });
      const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
      const identity = await oidc.finish(new URL(`${redirectUri(request)}${query}`), flow);
      let user = await ctx.store.getUserBySubject(identity.subject);
      if (!user) {
        const id = newId('u');
        user = await ctx.store.createUser(
          {
            id,
            email: identity.email,
            name: identity.name,
            role: identity.role,
            passwordHash: null,
            subject: identity.subject,
          },
          {
            actor: OIDC_ACTOR,
            action: 'user.create',
            target: `user:${id}`,
            afterOf: (u) => u,
          },
        );
      } else if (user.role !== identity.role || user.name !== identity.name) {
        const before = user;
        user = await ctx.store.updateUser(
          user.id,
          { role: identity.role, name: identity.name },
          {
            actor: OIDC_ACTOR,
            action: 'user.update',
            target: `user:${user.id}`,
            before,
            afterOf: (u) => u,
          },
        );
      }
      await startSession(ctx, request, reply, user, options);
      return reply.redirect('/', 302);
    },
  );
}

/** Single sign-on (404 CF_OIDC_NOT_CONFIGURED when off). */
export const oidcRoutes = routePlugin<OidcRouteOptions>('claimflow-oidc-routes', oidcRoutesPlugin);
