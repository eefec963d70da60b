/** Shared test material for the auth suite: real keys, a self-signed certificate (openssl), signing helpers. */
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CryptoKey, exportJWK, exportSPKI, generateKeyPair, importPKCS8, type JWK, SignJWT } from 'jose';
import { expect } from 'vitest';
import {
  createTokenVerifier,
  type JwtSettingsInput,
  JwtSettingsSchema,
  type TokenVerifierOptions,
  type VerifyResult,
} from '../../../api/auth';
import type { ErrorCode } from '../../../engine/errors/catalogue';

export const SECRET = 'a-very-long-test-secret-of-at-least-32-bytes!';
export const enc = new TextEncoder();
export const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
export const nowSec = () => Math.floor(Date.now() / 1000);
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const verifierFor = (input: JwtSettingsInput, options?: TokenVerifierOptions) =>
  createTokenVerifier(JwtSettingsSchema.parse(input), options);
export const hmacSettings = (extra: Partial<JwtSettingsInput> = {}): JwtSettingsInput => ({
  key: { kind: 'secret', secret: SECRET },
  algorithms: ['HS256'],
  ...extra,
});

/** Claims of a token valid for an hour. */
export const valid = (extra: Record<string, unknown> = {}) => ({ sub: 'u1', exp: nowSec() + 3600, ...extra });

export const signHs = (claims: Record<string, unknown>, header: Record<string, unknown> = {}, secret = SECRET) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256', ...header }).sign(enc.encode(secret));

/** An HS256 token over arbitrary header and payload values (jose refuses to build most of the odd ones). */
export function rawHs(header: unknown, payload: unknown, secret = SECRET): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

export interface Pair {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

export interface TestKeys {
  rsa: Pair;
  rsa2: Pair;
  attacker: Pair;
  ec: Pair;
  ed: Pair;
  rsaPem: string;
  /** rsa's public key as a JWK with kid k1, rsa2's with kid k2. */
  jwk1: JWK;
  jwk2: JWK;
}

export async function makeKeys(): Promise<TestKeys> {
  const [rsa, rsa2, attacker, ec, ed] = await Promise.all([
    generateKeyPair('RS256'),
    generateKeyPair('RS256'),
    generateKeyPair('RS256'),
    generateKeyPair('ES256'),
    generateKeyPair('EdDSA'),
  ]);
  return {
    rsa,
    rsa2,
    attacker,
    ec,
    ed,
    rsaPem: await exportSPKI(rsa.publicKey),
    jwk1: { ...(await exportJWK(rsa.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' },
    jwk2: { ...(await exportJWK(rsa2.publicKey)), kid: 'k2', alg: 'RS256', use: 'sig' },
  };
}

export const signRs = (claims: Record<string, unknown>, key: CryptoKey, header: Record<string, unknown> = {}) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'RS256', ...header }).sign(key);

export interface Certificate {
  pem: string;
  /** The certificate as x5c wants it: base64 (not url) DER. */
  der64: string;
  privateKey: CryptoKey;
}

/** A self-signed RSA certificate made by `openssl req -x509`. */
export async function makeCertificate(): Promise<Certificate> {
  const dir = mkdtempSync(join(tmpdir(), 'cf-x509-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1'].concat([
        '-subj',
        '/CN=claimflow-test',
      ]),
      { stdio: 'ignore' },
    );
    const pem = readFileSync(cert, 'utf8');
    const der64 = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    return { pem, der64, privateKey: await importPKCS8(readFileSync(key, 'utf8'), 'RS256') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Asserts a refusal with `code`, and that its reason never quotes the token. */
export function expectRefused(result: VerifyResult, code: ErrorCode, token?: string): void {
  expect(result).toMatchObject({ status: code === 'CF_TOKEN_EXPIRED' ? 'expired' : 'invalid', code });
  if (result.status !== 'valid' && token) {
    expect(result.reason).not.toContain(token);
    for (const part of token.split('.')) if (part.length >= 12) expect(result.reason).not.toContain(part);
  }
}

export function expectValid(result: VerifyResult): asserts result is Extract<VerifyResult, { status: 'valid' }> {
  expect(result, result.status === 'valid' ? '' : `${result.code}: ${result.reason}`).toMatchObject({
    status: 'valid',
  });
}
