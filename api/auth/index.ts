/** api/auth: reading and verifying visitor tokens (the routes call these; nothing here knows HTTP routing). */

export type { Algorithm, JwtSettings, JwtSettingsInput, RedactedJwtSettings, TokenSources } from './jwt-settings';
export {
  ALGORITHMS,
  ASYMMETRIC_ALGORITHMS,
  algorithmsForKey,
  DEFAULT_JWT_SETTINGS,
  HMAC_ALGORITHMS,
  JwtSettingsSaveSchema,
  JwtSettingsSchema,
  jwkImportProblem,
  KeySettingsSchema,
  publicKeyOfPem,
  redactJwtSettings,
  TokenSourcesSchema,
} from './jwt-settings';
export type { JwksProblem } from './lib/jwks-policy';
export { jwksProblems, MAX_JWKS_KEYS } from './lib/jwks-policy';
export type { JwksFetchEvent, JwksFetchResult, RemoteKeySetStatus } from './lib/remote-jwks';
export { MAX_FAILURE_BACKOFF_MS, MAX_JWKS_BYTES } from './lib/remote-jwks';
export type { TokenFailure } from './lib/translate-jose-error';
export { TokenRefusal, translateJoseError } from './lib/translate-jose-error';
export type { TokenFound, TokenSource } from './read-token';
export { parseCookies, readToken } from './read-token';
export type {
  KeySetStatus,
  TokenHeader,
  TokenVerifier,
  TokenVerifierOptions,
  VerifierStats,
  VerifyResult,
} from './verify-token';
export { createTokenVerifier, MAX_KEY_CANDIDATES, MAX_TOKEN_BYTES } from './verify-token';
