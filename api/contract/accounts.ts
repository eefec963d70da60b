/**
 * Request and response shapes of the people routes (`/admin/v1/session`, `/users`, `/tokens`, `/audit`), as pure zod
 * schemas: no Node built-ins, so the editor and the OpenAPI generator can import them too. Handlers parse with them.
 */
import { z } from 'zod';
import { NoContent, route } from './common';

/** Roles in increasing power: each one can do everything the ones before it can. */
export const ROLES = ['viewer', 'editor', 'publisher', 'admin'] as const;
export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

/** True when `role` is `needed` or stronger. */
export function roleAtLeast(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

const email = z.email().max(320);
/** At least 12 characters (a passphrase), at most 1024 (scrypt input stays bounded). */
export const PasswordSchema = z.string().min(12, 'use at least 12 characters').max(1024);
const instant = z.iso.datetime({ offset: true });

export const SignInBody = z.object({ email, password: z.string().min(1).max(1024) }).strict();
export const ChangePasswordBody = z
  .object({ currentPassword: z.string().min(1).max(1024), newPassword: PasswordSchema })
  .strict();

export const PrincipalSchema = z.object({
  type: z.enum(['user', 'token', 'admin-key']),
  id: z.string().nullable(),
  name: z.string(),
  email: z.string().nullable(),
  role: RoleSchema,
});
export type PrincipalView = z.infer<typeof PrincipalSchema>;

export const SessionResponse = z.object({
  principal: PrincipalSchema,
  /** Send it back as `x-csrf-token` on every state-changing request authorized by the session cookie. */
  csrfToken: z.string().nullable(),
  expiresAt: z.string().nullable(),
});

export const SignInOptionsResponse = z.object({
  password: z.boolean(),
  /** Present when single sign-on is configured: open `start` to sign in with the provider. */
  oidc: z.object({ start: z.string(), label: z.string() }).nullable(),
});

export const UserSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: RoleSchema,
  subject: z.string().nullable(),
  hasPassword: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const CreateUserBody = z
  .object({ email, name: z.string().min(1).max(200), role: RoleSchema, password: PasswordSchema.optional() })
  .strict();
export const PatchUserBody = z
  .object({
    name: z.string().min(1).max(200).optional(),
    role: RoleSchema.optional(),
    password: PasswordSchema.optional(),
  })
  .strict();

export const ApiTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: RoleSchema,
  createdBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export const CreateTokenBody = z
  .object({ name: z.string().min(1).max(200), role: RoleSchema, expiresAt: instant.nullable().default(null) })
  .strict();
/** The secret is in `token` and is shown this once; only its SHA-256 is stored. */
export const CreatedTokenResponse = ApiTokenSchema.extend({ token: z.string() });

export const AuditQuerystring = z
  .object({
    actor: z.string().min(1).max(320).optional(),
    target: z.string().min(1).max(300).optional(),
    action: z.string().min(1).max(100).optional(),
    from: instant.optional(),
    to: instant.optional(),
    before: z.coerce.number().int().min(1).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();
export const AuditEntrySchema = z.object({
  id: z.number(),
  at: z.string(),
  actor: z.object({
    type: z.enum(['user', 'token', 'admin-key', 'system']),
    id: z.string().nullable(),
    name: z.string(),
  }),
  action: z.string(),
  target: z.string(),
  before: z.unknown(),
  after: z.unknown(),
  /** Dot paths whose value differs between before and after. */
  changed: z.array(z.string()),
});
export const AuditPage = z.object({ entries: z.array(AuditEntrySchema), next: z.number().nullable() });

const tags = ['people'];
const UserParams = z.object({ id: z.string().min(1).max(128) });

export const accountRoutesContract = {
  signInOptions: route({
    operationId: 'signInOptions',
    summary: 'How to sign in (password, single sign-on)',
    tags,
    access: 'public',
    ok: { 200: SignInOptionsResponse },
  }),
  signIn: route({
    operationId: 'signIn',
    summary: 'Sign in with email and password (sets the session cookie)',
    tags,
    access: 'public',
    body: SignInBody,
    ok: { 200: SessionResponse },
    errors: [401, 429],
  }),
  session: route({
    operationId: 'getSession',
    summary: 'Who is signed in (and the CSRF token of the session)',
    tags,
    access: 'admin',
    ok: { 200: SessionResponse.extend({ ok: z.literal(true) }) },
  }),
  signOut: route({
    operationId: 'signOut',
    summary: 'Sign out: the session ends on every instance at once',
    tags,
    access: 'admin',
    ok: { 204: NoContent },
  }),
  changePassword: route({
    operationId: 'changePassword',
    summary: 'Change your password (ends all your sessions, starts a new one)',
    tags,
    access: 'admin',
    body: ChangePasswordBody,
    ok: { 200: SessionResponse },
  }),
  listUsers: route({
    operationId: 'listUsers',
    summary: 'Users',
    tags,
    access: 'admin',
    ok: { 200: z.array(UserSchema) },
  }),
  createUser: route({
    operationId: 'createUser',
    summary: 'Create a user',
    tags,
    access: 'admin',
    body: CreateUserBody,
    ok: { 201: UserSchema },
    errors: [409],
  }),
  getUser: route({
    operationId: 'getUser',
    summary: 'A user',
    tags,
    access: 'admin',
    params: UserParams,
    ok: { 200: UserSchema },
    errors: [404],
  }),
  patchUser: route({
    operationId: 'updateUser',
    summary: 'Change a user (a new password ends their sessions)',
    tags,
    access: 'admin',
    params: UserParams,
    body: PatchUserBody,
    ok: { 200: UserSchema },
    errors: [404, 409],
  }),
  deleteUser: route({
    operationId: 'deleteUser',
    summary: 'Delete a user (ends their sessions)',
    tags,
    access: 'admin',
    params: UserParams,
    ok: { 204: NoContent },
    errors: [404, 409],
  }),
  listTokens: route({
    operationId: 'listApiTokens',
    summary: 'API tokens (never their secrets)',
    tags,
    access: 'admin',
    ok: { 200: z.array(ApiTokenSchema) },
  }),
  createToken: route({
    operationId: 'createApiToken',
    summary: 'Create an API token (the secret is shown this once)',
    tags,
    access: 'admin',
    body: CreateTokenBody,
    ok: { 201: CreatedTokenResponse },
  }),
  revokeToken: route({
    operationId: 'revokeApiToken',
    summary: 'Revoke an API token (refused at once everywhere)',
    tags,
    access: 'admin',
    params: UserParams,
    ok: { 204: NoContent },
    errors: [404],
  }),
  audit: route({
    operationId: 'listAudit',
    summary: 'The audit log, newest first; filters actor, target (prefix*), action, from, to',
    tags,
    access: 'admin',
    querystring: AuditQuerystring,
    ok: { 200: AuditPage },
  }),
  oidcStart: route({
    operationId: 'oidcStart',
    summary: 'Sign in with the OpenID provider (redirects the browser there)',
    description: 'Answers 404 CF_OIDC_NOT_CONFIGURED when single sign-on is not configured.',
    tags,
    access: 'public',
    ok: { 302: z.null().describe('redirect to the provider') },
    errors: [401, 404],
  }),
  oidcCallback: route({
    operationId: 'oidcCallback',
    summary: 'Where the OpenID provider sends the browser back (redirects to the editor)',
    description: 'Answers 404 CF_OIDC_NOT_CONFIGURED when single sign-on is not configured.',
    tags,
    access: 'public',
    ok: { 302: z.null().describe('redirect to the editor') },
    errors: [401, 403, 404],
  }),
};
