/**
 * The request context a site sends with a decision (and a replay case carries), validated, and how it becomes the
 * request facts: one definition for live decisions, tests and replay.
 */
import { z } from 'zod';
import type { RequestFacts } from './facts';

export const RequestContextSchema = z
  .object({
    url: z.string().max(4096).optional(),
    path: z.string().max(2048).optional(),
    referrer: z.string().max(4096).optional(),
    device: z.string().max(64).optional(),
    country: z.string().max(64).optional(),
    userAgent: z.string().max(1024).optional(),
    contentId: z.string().max(256).optional(),
    query: z
      .record(z.string().max(128), z.union([z.string().max(2048), z.array(z.string().max(2048)).max(20)]))
      .optional(),
    custom: z.record(z.string().max(128), z.unknown()).optional(),
  })
  .strict();

export type RequestContext = z.infer<typeof RequestContextSchema>;

/** Request facts: the context, with `path` and `query` taken from `url` when not given. */
export function requestFacts(context: RequestContext, userAgent?: string): RequestFacts {
  const facts: RequestFacts = {};
  if (context.device !== undefined) facts.device = context.device;
  if (context.country !== undefined) facts.country = context.country;
  if (context.referrer !== undefined) facts.referrer = context.referrer;
  if (context.contentId !== undefined) facts.contentId = context.contentId;
  const ua = context.userAgent ?? userAgent;
  if (ua !== undefined) facts.userAgent = ua;
  if (context.custom !== undefined) facts.custom = context.custom;
  let path = context.path;
  let query = context.query;
  if (context.url && (path === undefined || query === undefined)) {
    try {
      const u = new URL(context.url, 'http://site.invalid');
      path ??= u.pathname;
      if (query === undefined) {
        const q: Record<string, string | string[]> = {};
        for (const [k, v] of u.searchParams) {
          const prev = q[k];
          q[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
        }
        query = q;
      }
    } catch {
      // an unparsable url adds nothing
    }
  }
  if (path !== undefined) facts.path = path;
  if (query !== undefined) facts.query = query;
  return facts;
}
