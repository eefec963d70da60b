/** JWT integration settings (key, algorithms, iss, aud, tolerance, token sources, claim mapping) and their schema. */
import { createPublicKey, type JsonWebKey, type KeyObject, X509Certificate } from 'node:crypto';
import type { z } from 'zod';
import {
  ALGORITHMS,
  type Algorithm,
  ASYMMETRIC_ALGORITHMS,
  HMAC_ALGORITHMS,
  JwtSettingsShape,
  KeySettingsSchema,
  TokenSourcesSchema,
} from '../contract/jwt-settings';

export type { Algorithm };
export { ALGORITHMS, ASYMMETRIC_ALGORITHMS, HMAC_ALGORITHMS, KeySettingsSchema, TokenSourcesSchema };

/** The public key inside a PEM public key or certificate, or null when it does not parse. */
export function publicKeyOfPem(kind: 'spki' | 'x509', pem: string): KeyObject | null {
  try {
    return kind === 'spki' ? createPublicKey({ key: pem, format: 'pem' }) : new X509Certificate(pem).publicKey;
  } catch {
    return null;
  }
}

/**
 * Why an inline JWK cannot verify anything, or null: it must import as a public key (e.g. an RSA key needs n and e)
 * and an RSA key must be at least 2048 bits, as jose requires when verifying.
 */
export function jwkImportProblem(jwk: Record<string, unknown>): string | null {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch (error) {
    const message = error instanceof Error ? error.message.slice(0, 120) : 'unknown error';
    return `(kty ${JSON.stringify(String(jwk.kty).slice(0, 16))}) cannot be imported: ${message}`;
  }
  if (key.asymmetricKeyType?.startsWith('rsa') && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048)
    return 'is an RSA key shorter than 2048 bits';
  if (!algorithmsForKey(key)) return `is a ${key.asymmetricKeyType} key, which no JOSE algorithm verifies`;
  return null;
}

/** Which algorithms a public key can verify; null when it is of a type no JOSE algorithm uses. */
export function algorithmsForKey(key: KeyObject): readonly string[] | null {
  const type = key.asymmetricKeyType;
  if (type === 'rsa') return ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
  if (type === 'rsa-pss') return ['PS256', 'PS384', 'PS512'];
  if (type === 'ed25519') return ['EdDSA'];
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return ['ES256'];
    if (curve === 'secp384r1') return ['ES384'];
    if (curve === 'secp521r1') return ['ES512'];
  }
  return null;
}

const PEM_LABELS = { spki: 'public key', x509: 'certificate' } as const;

/** The settings with every check: the pure shape (api/contract/jwt-settings.ts) and the ones that need node:crypto. */
export const JwtSettingsSchema = JwtSettingsShape.superRefine((s, ctx) => {
  if (s.key.kind !== 'spki' && s.key.kind !== 'x509') return;
  // the shape already named a PEM block of the wrong kind
  if (!s.key.pem.includes(`-----BEGIN ${PEM_LABELS[s.key.kind].toUpperCase()}-----`)) return;
  const key = publicKeyOfPem(s.key.kind, s.key.pem);
  if (!key) {
    ctx.addIssue({
      code: 'custom',
      path: ['key', 'pem'],
      message: `pem: the ${PEM_LABELS[s.key.kind]} does not parse`,
    });
    return;
  }
  const usable = algorithmsForKey(key);
  if (!usable)
    ctx.addIssue({
      code: 'custom',
      path: ['key', 'pem'],
      message: `pem: a ${key.asymmetricKeyType} key cannot verify any JOSE algorithm`,
    });
  if (key.asymmetricKeyType?.startsWith('rsa') && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048)
    ctx.addIssue({ code: 'custom', path: ['key', 'pem'], message: 'pem: RSA keys must be at least 2048 bits' });
  s.algorithms.forEach((alg, i) => {
    const isHmac = (HMAC_ALGORITHMS as readonly string[]).includes(alg);
    if (!isHmac && usable && !usable.includes(alg))
      ctx.addIssue({
        code: 'custom',
        path: ['algorithms', i],
        message: `algorithms: ${alg} cannot be verified with the configured ${key.asymmetricKeyType} key (it verifies ${usable.join(', ')})`,
      });
  });
});

/**
 * The settings as they may be saved: stricter than what is loaded from storage (so settings stored by an older
 * version still load), every inline JWKS key must import as a public key that some JOSE algorithm can use.
 */
export const JwtSettingsSaveSchema = JwtSettingsSchema.superRefine((s, ctx) => {
  if (s.key.kind !== 'jwks') return;
  s.key.jwks.keys.forEach((jwk, index) => {
    const problem = jwkImportProblem(jwk);
    if (problem)
      ctx.addIssue({ code: 'custom', path: ['key', 'jwks', 'keys', index], message: `jwks: key ${index} ${problem}` });
  });
});

export type JwtSettings = z.infer<typeof JwtSettingsSchema>;
export type JwtSettingsInput = z.input<typeof JwtSettingsSchema>;
export type TokenSources = z.infer<typeof TokenSourcesSchema>;

export const DEFAULT_JWT_SETTINGS: JwtSettings = JwtSettingsSchema.parse({});

type KeySettings = JwtSettings['key'];
export type RedactedJwtSettings = Omit<JwtSettings, 'key'> & {
  key: Exclude<KeySettings, { kind: 'secret' }> | { kind: 'secret'; secretSet: true };
};

/**
 * The settings as they may be shown: an HMAC secret is never echoed back (PEMs, JWKS and URLs are public).
 * @example redactJwtSettings(s).key // { kind: 'secret', secretSet: true }
 */
export function redactJwtSettings(settings: JwtSettings): RedactedJwtSettings {
  if (settings.key.kind !== 'secret') return { ...settings, key: settings.key };
  return { ...settings, key: { kind: 'secret', secretSet: true } };
}
