/** Admin key check for the admin plugin only: `x-claimflow-admin-key`, compared in constant time. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

export const ADMIN_KEY_HEADER = 'x-claimflow-admin-key';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** True when `given` is the admin key (comparison of SHA-256 digests in constant time). */
export function isAdminKey(given: string | undefined, adminKey: string): boolean {
  if (typeof given !== 'string' || given.length === 0) return false;
  return timingSafeEqual(digest(given), digest(adminKey));
}

export function adminKeyOf(request: FastifyRequest): string | undefined {
  const v = request.headers[ADMIN_KEY_HEADER];
  return Array.isArray(v) ? v[0] : v;
}
