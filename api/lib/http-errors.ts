/** Request parsing with zod and the one error shape of the API. */
import type { z } from 'zod';
import { ClaimflowError, type ErrorCode, isClaimflowError, problemsError, zodProblems } from '../../engine';

export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    field?: string;
    nodeId?: string;
    edgeId?: string;
    problems?: unknown;
  };
}

/** Parses untrusted input; throws CF_REQUEST_INVALID (or `code`) naming the first offending field. */
export function parse<T>(
  schema: z.ZodType<T>,
  input: unknown,
  where = 'body',
  code: ErrorCode = 'CF_REQUEST_INVALID',
): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw problemsError(zodProblems(result.error, code, { prefix: [where] }));
}

export function errorBody(error: ClaimflowError): ErrorBody {
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  if (error.location.field) body.error.field = error.location.field;
  if (error.location.nodeId) body.error.nodeId = error.location.nodeId;
  if (error.location.edgeId) body.error.edgeId = error.location.edgeId;
  if (error.details !== undefined) body.error.problems = error.details;
  return body;
}

export { ClaimflowError, isClaimflowError };
