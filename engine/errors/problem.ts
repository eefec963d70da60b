/**
 * The one problem shape of Claimflow: a stable code, a severity, a plain message and where it is (node, edge, field,
 * suite case). Graph validation, suites, configuration and HTTP request checks all report it, built by `problem` and,
 * from zod, by `zodProblems`; `problemsError` turns a list into the ClaimflowError the API answers with.
 */
import type { z } from 'zod';
import { ClaimflowError, type ErrorCode } from './catalogue';

export interface Problem {
  code: ErrorCode;
  severity: 'error' | 'warning';
  message: string;
  nodeId?: string;
  edgeId?: string;
  /** Dot path of the offending field, e.g. `data.buckets.1.weight`. */
  field?: string;
  /** Suites: the case concerned, by index and name. */
  caseIndex?: number;
  caseName?: string;
}

/** Where a problem is. */
export type ProblemLocation = Pick<Problem, 'nodeId' | 'edgeId' | 'field' | 'caseIndex' | 'caseName'>;

/** The dot path of a field (`['data', 'buckets', 1]` -> `data.buckets.1`); empty segments are dropped. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map(String)
    .filter((p) => p !== '')
    .join('.');
}

/**
 * Builds a problem; location keys left undefined are omitted.
 * @example problem('CF_GRAPH_CYCLE', 'the graph has a cycle: "a" -> "b" -> "a"', { nodeId: 'a' })
 */
export function problem(
  code: ErrorCode,
  message: string,
  at: ProblemLocation = {},
  severity: Problem['severity'] = 'error',
): Problem {
  const out: Problem = { code, severity, message };
  if (at.nodeId !== undefined) out.nodeId = at.nodeId;
  if (at.edgeId !== undefined) out.edgeId = at.edgeId;
  if (at.field !== undefined) out.field = at.field;
  if (at.caseIndex !== undefined) out.caseIndex = at.caseIndex;
  if (at.caseName !== undefined) out.caseName = at.caseName;
  return out;
}

export interface ZodProblemOptions {
  /** Path segments before each issue's own path (`['data']`, `['nodes', 3]`, `['body']`). */
  prefix?: readonly PropertyKey[];
  /** Location shared by every problem (the node or edge the data belongs to). */
  at?: ProblemLocation;
  /** Extra location per issue, from its path inside the parsed value (a suite's case). */
  locate?(path: readonly PropertyKey[]): ProblemLocation;
  /** Words before `field: message` (e.g. `case 2 "gold": `). */
  lead?(path: readonly PropertyKey[]): string;
  /** How an issue's field is named (default: its dot path). */
  name?(path: readonly PropertyKey[]): string;
  /** What the message calls an issue about the whole value (empty field); default `value`. */
  whole?: string;
}

/**
 * One problem per zod issue, each naming its field (`data.buckets.1.weight: weights must be positive`).
 * @example zodProblems(result.error, 'CF_NODE_DATA_INVALID', { prefix: ['data'], at: { nodeId: 'n1' } })
 */
export function zodProblems(error: z.ZodError, code: ErrorCode, options: ZodProblemOptions = {}): Problem[] {
  return error.issues.map((issue) => {
    const path = [...(options.prefix ?? []), ...issue.path];
    const field = options.name ? options.name(issue.path) : fieldPath(path);
    const lead = options.lead?.(issue.path) ?? '';
    return problem(code, `${lead}${field || (options.whole ?? 'value')}: ${issue.message}`, {
      ...options.at,
      ...options.locate?.(issue.path),
      field,
    });
  });
}

/**
 * The error for a list of problems: the first one's message and location, every problem in `details`.
 * @example throw problemsError(zodProblems(result.error, 'CF_REQUEST_INVALID', { prefix: ['body'] }))
 */
export function problemsError(problems: readonly Problem[], code?: ErrorCode): ClaimflowError {
  const first = problems[0];
  if (!first) throw new TypeError('problemsError needs at least one problem');
  const { nodeId, edgeId, field, caseName } = first;
  return new ClaimflowError(code ?? first.code, first.message, { nodeId, edgeId, field, caseName }, problems);
}
