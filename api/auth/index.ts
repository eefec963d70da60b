/** api/auth: reading and verifying visitor tokens. */

export type { Algorithm, JwtSettings, JwtSettingsInput, TokenSources } from './jwt-settings';
export {
  ALGORITHMS,
  ASYMMETRIC_ALGORITHMS,
  DEFAULT_JWT_SETTINGS,
  HMAC_ALGORITHMS,
  JwtSettingsSchema,
  KeySettingsSchema,
  redactJwtSettings,
  TokenSourcesSchema,
} from './jwt-settings';
export type { TokenFound } from './read-token';
export { parseCookies, readToken } from './read-token';
export type { TokenVerifier, VerifyResult } from './verify-token';
export { createTokenVerifier, MAX_TOKEN_BYTES } from './verify-token';
