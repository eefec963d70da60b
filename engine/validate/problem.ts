/** A validation problem: a stable code, a severity, a plain message and where it is (node, edge, field). */
import type { ErrorCode } from '../errors/catalogue';

export interface Problem {
  code: ErrorCode;
  severity: 'error' | 'warning';
  message: string;
  nodeId?: string;
  edgeId?: string;
  /** Dot path of the offending field, e.g. `data.buckets.1.weight`. */
  field?: string;
}
