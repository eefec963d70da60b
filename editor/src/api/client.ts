/**
 * The editor's only way to the service: the admin API over fetch, authorized by the session cookie (with its CSRF
 * token) or by the break-glass admin key kept for the browser session.
 */

const KEY = 'claimflow.adminKey';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems?: unknown,
    readonly field?: string,
  ) {
    super(message);
  }
}

export function getKey(): string | null {
  return sessionStorage.getItem(KEY);
}
export function setKey(key: string | null): void {
  if (key === null) sessionStorage.removeItem(KEY);
  else sessionStorage.setItem(KEY, key);
}

/** The CSRF token of the signed-in session (sent on every state-changing request the session cookie authorizes). */
let csrfToken: string | null = null;
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export async function api<T>(method: string, path: string, body?: unknown, key = getKey()): Promise<T> {
  const res = await fetch(`/admin/v1${path}`, {
    method,
    credentials: 'same-origin',
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(key ? { 'x-claimflow-admin-key': key } : {}),
      ...(csrfToken && method !== 'GET' ? { 'x-csrf-token': csrfToken } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return undefined as T;
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const e = data?.error ?? {};
    throw new ApiError(
      res.status,
      e.code ?? 'CF_INTERNAL',
      e.message ?? `the service answered ${res.status}`,
      e.problems,
      e.field,
    );
  }
  return data as T;
}

/** Plain-words message for an error shown to a person. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'CF_AUTH_INVALID') return 'That admin key is not right. Check it and try again.';
    if (error.code === 'CF_AUTH_REQUIRED') return 'Please sign in.';
    if (error.code === 'CF_FORBIDDEN') return `Your role cannot do this: ${error.message}`;
    return error.message;
  }
  if (error instanceof TypeError) return 'The Claimflow service cannot be reached. Is it running?';
  return error instanceof Error ? error.message : String(error);
}

// API shapes come from the service's contract (api/contract/, pure zod): type-only imports, nothing bundled.
import type { Entitlement, Product } from '../../../api/contract/catalogue';
import type {
  FeatureSummary as FeatureListItem,
  FeatureView,
  ProblemView,
  TestResult,
  VersionSummary,
} from '../../../api/contract/features';
import type { GraphEdge, GraphNode, GraphShape } from '../../../engine';

/** A feature as listed (`GET /features`) or with its draft (`GET /features/:id`). */
export type FeatureSummary = FeatureListItem & { draft?: FeatureView['draft'] };
export type Graph = GraphShape;
export type Problem = ProblemView;
export type { Entitlement, GraphEdge, GraphNode, Product, TestResult, VersionSummary };
