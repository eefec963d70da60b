/**
 * The rule for webhook URLs: http or https only, and never this service itself. A URL is refused when its host
 * resolves to an address this service listens on (its bound address; for a wildcard bind 0.0.0.0 / ::, any loopback,
 * unspecified or local interface address) with the port it listens on, or when it names the configured public URL's
 * host and port. Checked when a webhook is saved and again before every attempt (DNS may change); redirects are
 * never followed, so a receiver cannot bounce a delivery back to the admin API.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { ClaimflowError } from '../../engine/errors/catalogue';

export interface SelfAddress {
  /** The bound address and port, once listening (null before: only the public URL is checked). */
  listen(): { address: string; port: number } | null;
  publicUrl?: string;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '::0']);

const normalize = (address: string) => address.replace(/^::ffff:/i, '').toLowerCase();
const isLoopback = (a: string) => a === '::1' || /^127\./.test(a) || WILDCARDS.has(a);
const defaultPort = (u: URL) => Number(u.port || (u.protocol === 'https:' ? 443 : 80));

function localAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces()))
    for (const i of list ?? []) out.add(normalize(i.address.split('%')[0]));
  return out;
}

/** Throws CF_WEBHOOK_URL_REFUSED (field `field`) when `raw` is not http(s) or points at this service. */
export async function checkWebhookUrl(raw: string, self: SelfAddress, field = 'body.url'): Promise<void> {
  const refuse = (why: string): never => {
    throw new ClaimflowError('CF_WEBHOOK_URL_REFUSED', `${raw}: ${why}`, { field });
  };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse('not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') refuse('only http:// and https:// URLs are called');
  const port = defaultPort(url);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (self.publicUrl) {
    const pub = new URL(self.publicUrl);
    if (pub.hostname.toLowerCase() === host.toLowerCase() && defaultPort(pub) === port)
      refuse("this is the service's own public URL");
  }
  const listening = self.listen();
  if (!listening || listening.port !== port) return;
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
  } catch {
    return refuse(`the host ${host} does not resolve`);
  }
  const bound = normalize(listening.address);
  const wildcard = WILDCARDS.has(bound);
  const local = wildcard ? localAddresses() : null;
  for (const a of addresses.map(normalize)) {
    const own = wildcard
      ? isLoopback(a) || (local as Set<string>).has(a)
      : a === bound || WILDCARDS.has(a) || (isLoopback(bound) && isLoopback(a));
    if (own) refuse(`it resolves to ${a}:${port}, this service's own listen address`);
  }
}
