/**
 * Finds the visitor's token in a request. Rule: a source is read only when it is enabled (`header` names a header,
 * `bearer` is true, `cookie` names a cookie) AND listed in `precedence`; sources are tried in `precedence` order
 * (default: custom header, then `Authorization: Bearer`, then the cookie) and the first non-empty one wins. When two
 * read sources carry DIFFERENT tokens, `conflict: true` is reported (the caller logs it); the winner is still the
 * precedence winner, so a stale cookie never overrides a token the site passed explicitly. The same token in two
 * sources is no conflict. Header names match case-insensitively; the Bearer scheme is case-insensitive.
 */
import type { TokenSources } from './jwt-settings';

export type TokenSource = 'cookie' | 'bearer' | 'header';

export interface TokenFound {
  token: string | null;
  source: TokenSource | null;
  conflict: boolean;
}

type Headers = Record<string, string | string[] | undefined>;

function headerValue(headers: Headers, name: string): string | undefined {
  const lower = name.toLowerCase();
  let value = headers[lower];
  if (value === undefined) {
    for (const key of Object.keys(headers)) {
      if (key.toLowerCase() === lower) {
        value = headers[key];
        break;
      }
    }
  }
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : undefined;
}

/**
 * Parses a Cookie header; junk is skipped, never thrown. The first of two same-named cookies wins.
 * @example parseCookies('a=1; blaize_jwt=eyJ...') // { a: '1', blaize_jwt: 'eyJ...' }
 */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (typeof header !== 'string' || header.length === 0) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (!name || Object.hasOwn(out, name)) continue;
    try {
      out[name] = decodeURIComponent(value);
    } catch {
      out[name] = value;
    }
  }
  return out;
}

/**
 * Every character `\s` matches in JavaScript. Looking each up with indexOf (a memchr on the one-byte strings HTTP headers
 * are) is several times faster than a regular expression stepping through a ~1 KB token character by character.
 */
const WHITESPACE = [...'\t\n\v\f\r \u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff'].concat(
  Array.from({ length: 11 }, (_, i) => String.fromCharCode(0x2000 + i)),
);
const hasWhitespace = (text: string) => WHITESPACE.some((c) => text.includes(c));

/**
 * The credential of an `Authorization: Bearer <token>` value (scheme case-insensitive, spaces around it ignored), or
 * undefined. Same rule as /^\s*bearer\s+(\S+)\s*$/i; the scan for inner whitespace runs only on values that reached it
 * (a regular expression over the whole ~1 KB value cost half a microsecond on every decision).
 */
export function bearerCredential(auth: string): string | undefined {
  const value = auth.trim();
  if (value.length < 8 || value.slice(0, 6).toLowerCase() !== 'bearer') return undefined;
  const rest = value.slice(6);
  const credential = rest.trimStart();
  if (credential.length === rest.length || credential.length === 0) return undefined; // no space after the scheme
  return hasWhitespace(credential) ? undefined : credential;
}

function readSource(
  source: TokenSource,
  input: { headers: Headers; cookies?: Record<string, string | undefined> },
  sources: TokenSources,
): string | undefined {
  if (source === 'header') {
    if (!sources.header) return undefined;
    return headerValue(input.headers, sources.header)?.trim() || undefined;
  }
  if (source === 'bearer') {
    if (!sources.bearer) return undefined;
    const auth = headerValue(input.headers, 'authorization');
    return auth ? bearerCredential(auth) : undefined;
  }
  if (!sources.cookie) return undefined;
  const cookies = input.cookies ?? parseCookies(headerValue(input.headers, 'cookie'));
  const value = cookies[sources.cookie];
  return (typeof value === 'string' && value.trim()) || undefined;
}

/**
 * @example readToken({ headers: request.headers, cookies: request.cookies }, settings.tokenSources)
 */
export function readToken(
  input: { headers: Headers; cookies?: Record<string, string | undefined> },
  sources: TokenSources,
): TokenFound {
  let token: string | null = null;
  let source: TokenSource | null = null;
  let conflict = false;
  for (const s of new Set(sources.precedence)) {
    const value = readSource(s, input, sources);
    if (value === undefined) continue;
    if (token === null) {
      token = value;
      source = s;
    } else if (value !== token) conflict = true;
  }
  return { token, source, conflict };
}
