/**
 * Finds the visitor's token in the request. Sources are tried in the configured `precedence` order (default:
 * custom header, then `Authorization: Bearer`, then the cookie) and the first non-empty one wins. When two sources
 * carry different tokens, `conflict` is reported (and logged by the caller); the winner is still the precedence
 * winner, so a stale cookie never overrides a token the site passed explicitly.
 */
import type { TokenSources } from './jwt-settings';

export interface TokenFound {
  token: string | null;
  source: 'cookie' | 'bearer' | 'header' | null;
  conflict: boolean;
}

type Headers = Record<string, string | string[] | undefined>;

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Parses a Cookie header; junk is skipped, never thrown. */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (!name || name in out) continue;
    try {
      out[name] = decodeURIComponent(value);
    } catch {
      out[name] = value;
    }
  }
  return out;
}

export function readToken(
  input: { headers: Headers; cookies?: Record<string, string | undefined> },
  sources: TokenSources,
): TokenFound {
  const found: Partial<Record<'cookie' | 'bearer' | 'header', string>> = {};
  if (sources.header) {
    const v = first(input.headers[sources.header])?.trim();
    if (v) found.header = v;
  }
  if (sources.bearer) {
    const auth = first(input.headers.authorization);
    const m = auth ? /^\s*bearer\s+(\S+)\s*$/i.exec(auth) : null;
    if (m) found.bearer = m[1];
  }
  if (sources.cookie) {
    const cookies = input.cookies ?? parseCookies(first(input.headers.cookie));
    const v = cookies[sources.cookie]?.trim();
    if (v) found.cookie = v;
  }
  let token: string | null = null;
  let source: TokenFound['source'] = null;
  for (const s of sources.precedence) {
    if (found[s]) {
      token = found[s] as string;
      source = s;
      break;
    }
  }
  const distinct = new Set(Object.values(found));
  return { token, source, conflict: distinct.size > 1 };
}
