/** Random secrets (session ids, API tokens) and the one-way hashes under which they are stored. */
import { createHash, randomBytes } from 'node:crypto';

/** SHA-256 hex: session ids and API tokens are stored only this way (they are 256-bit random, so no salt is needed). */
export const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

/** A new session id (256 bits, base64url). */
export const newSessionId = (): string => randomBytes(32).toString('base64url');

/** Prefix of every API token, so a leaked one is recognisable (secret scanners). */
export const API_TOKEN_PREFIX = 'cft_';
export const newApiToken = (): string => `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;

export const newId = (prefix: string): string => `${prefix}_${randomBytes(9).toString('base64url')}`;
