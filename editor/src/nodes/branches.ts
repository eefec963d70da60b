/**
 * The branches (source handles) a node shows come from its kind, never from whether its data is valid: a half-filled
 * node keeps its handles and edges, and its invalid data is a problem on the node. A kind's `branches` reads only
 * what names its branches (split-test bucket ids), so it is asked with the raw data; data too broken even for that
 * (no bucket list at all) shows no branch handles.
 */
import { isNodeKind, nodeDefinition } from '../../../engine';

export function branchesOf(kind: string, data: Record<string, unknown>): string[] {
  if (!isNodeKind(kind)) return [];
  const def = nodeDefinition(kind);
  const parsed = def.dataSchema.safeParse(data);
  if (parsed.success) return [...def.branches(parsed.data)];
  try {
    const raw = def.branches(data as never);
    return [...new Set(raw.filter((b): b is string => typeof b === 'string' && b.length > 0))];
  } catch {
    return [];
  }
}
