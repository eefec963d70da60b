/**
 * What the service logs of a request. Secrets never reach the log: headers that carry them are censored, the query
 * string of admin routes is dropped entirely, and on other routes the values of query parameters whose name says
 * secret (key, token, jwt, secret, password, ...) are replaced, so `?x-claimflow-admin-key=...` never appears.
 */
import type { FastifyRequest } from 'fastify';

/** Headers that carry secrets: never logged (pino redact paths). */
export const REDACTED_HEADERS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-claimflow-admin-key"]',
  'req.headers["x-custom-tkn"]',
  'res.headers["set-cookie"]',
];

const SECRET_NAME = /key|token|tkn|jwt|secret|passw|auth|session|cookie|signature|sig$|code/i;
const ADMIN_PATH = /^\/admin(\/|$)/;
export const REDACTED = '[redacted]';

/** The URL as it may be logged: no admin query string, no secret-looking query values. */
export function loggableUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const path = url.slice(0, q);
  if (ADMIN_PATH.test(path)) return `${path}?${REDACTED}`;
  const parts = url
    .slice(q + 1)
    .split('&')
    .map((part) => {
      const eq = part.indexOf('=');
      const rawName = eq === -1 ? part : part.slice(0, eq);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        return REDACTED;
      }
      return SECRET_NAME.test(name) ? `${rawName}=${REDACTED}` : part;
    });
  return `${path}?${parts.join('&')}`;
}

/** pino serializer for `req`, in place of Fastify's: the same fields with the URL made loggable. */
export function serializeRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: loggableUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
