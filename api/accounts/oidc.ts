/**
 * OpenID Connect sign-in (authorization code with PKCE) with openid-client: discovery from the issuer URL (lazily,
 * cached), the authorization URL with state, nonce and an S256 code challenge, and the callback's code exchange, which
 * checks state, nonce, PKCE, the ID token's signature, issuer, audience and expiry. A claim (default `groups`) maps to
 * a role; the strongest mapped role wins; without a match, `defaultRole` (or the sign-in is refused).
 */
import * as client from 'openid-client';
import { ClaimflowError } from '../../engine';
import { ROLES, type Role } from '../contract/accounts';

export interface OidcOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The claim whose value (a string or an array of strings) maps to a role (default `groups`). */
  roleClaim?: string;
  /** Claim value -> role, e.g. `{ "claimflow-admins": "admin" }`. */
  roles?: Record<string, Role>;
  /** The role of a user whose claims map to none; null refuses them. */
  defaultRole?: Role | null;
  /** What the sign-in button says (default "Sign in with single sign-on"). */
  label?: string;
  /** Seconds the service's clock is behind the provider's (openid-client `clockSkew`; default 0). */
  clockSkewSeconds?: number;
}

export interface OidcFlow {
  state: string;
  nonce: string;
  verifier: string;
}

export interface OidcIdentity {
  subject: string;
  email: string;
  name: string;
  role: Role;
}

const fail = (message: string) => new ClaimflowError('CF_OIDC_FAILED', message, { field: 'oidc' });
const loopback = (url: URL) => url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);

/** openid-client's error with the check that failed (its cause: state, nonce, exp, ...) and its code. */
function describe(error: unknown): string {
  const e = error as { message?: string; code?: string; cause?: unknown };
  const cause = e.cause instanceof Error ? e.cause.message : null;
  return [cause ?? e.message ?? String(error), e.code].filter(Boolean).join(' ');
}

/** The strongest role the claim's values map to; `fallback` when none does. */
export function mapRole(claims: Record<string, unknown>, options: OidcOptions): Role | null {
  const raw = claims[options.roleClaim ?? 'groups'];
  const values = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  let best: Role | null = null;
  for (const v of values) {
    const role = typeof v === 'string' ? options.roles?.[v] : undefined;
    if (role && (best === null || ROLES.indexOf(role) > ROLES.indexOf(best))) best = role;
  }
  return best ?? options.defaultRole ?? null;
}

export function createOidc(options: OidcOptions) {
  let config: Promise<client.Configuration> | null = null;
  const configuration = () => {
    config ??= (async () => {
      const issuer = new URL(options.issuer);
      const c = await client.discovery(
        issuer,
        options.clientId,
        { client_secret: options.clientSecret, [client.clockSkew]: options.clockSkewSeconds ?? 0 },
        undefined,
        loopback(issuer) ? { execute: [client.allowInsecureRequests] } : undefined,
      );
      return c;
    })().catch((error: Error) => {
      config = null;
      throw fail(`cannot discover the OpenID provider ${options.issuer}: ${error.message}`);
    });
    return config;
  };

  return {
    label: options.label ?? 'Sign in with single sign-on',

    /** A new flow (kept by the caller until the callback) and the provider URL to send the browser to. */
    async start(redirectUri: string): Promise<{ flow: OidcFlow; url: string }> {
      const flow: OidcFlow = {
        state: client.randomState(),
        nonce: client.randomNonce(),
        verifier: client.randomPKCECodeVerifier(),
      };
      const url = client.buildAuthorizationUrl(await configuration(), {
        redirect_uri: redirectUri,
        scope: 'openid email profile',
        response_type: 'code',
        code_challenge: await client.calculatePKCECodeChallenge(flow.verifier),
        code_challenge_method: 'S256',
        state: flow.state,
        nonce: flow.nonce,
      });
      return { flow, url: url.href };
    },

    /** Exchanges the callback's code; throws CF_OIDC_FAILED naming what did not hold. */
    async finish(callbackUrl: URL, flow: OidcFlow): Promise<OidcIdentity> {
      let claims: Record<string, unknown>;
      try {
        const tokens = await client.authorizationCodeGrant(await configuration(), callbackUrl, {
          pkceCodeVerifier: flow.verifier,
          expectedState: flow.state,
          expectedNonce: flow.nonce,
          idTokenExpected: true,
        });
        claims = (tokens.claims() ?? {}) as Record<string, unknown>;
      } catch (error) {
        if (error instanceof ClaimflowError) throw error;
        throw fail(`the sign-in with ${options.issuer} failed: ${describe(error)}`);
      }
      const role = mapRole(claims, options);
      if (role === null)
        throw fail(`no role for this account: its "${options.roleClaim ?? 'groups'}" claim maps to none`);
      if (typeof claims.email !== 'string' || claims.email === '')
        throw fail('the ID token has no email claim (ask for the email scope)');
      return {
        subject: `${options.issuer}|${String(claims.sub)}`,
        email: claims.email,
        name: typeof claims.name === 'string' && claims.name ? claims.name : claims.email,
        role,
      };
    },
  };
}

export type Oidc = ReturnType<typeof createOidc>;
