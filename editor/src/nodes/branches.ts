/** The branches (source handles) a node shows: from the engine's definition, even while its data is half filled. */
import { isNodeKind } from '../../../engine/nodes/kinds';
import { nodeDefinition } from '../../../engine/nodes/registry';

export function branchesOf(kind: string, data: Record<string, unknown>): string[] {
  if (!isNodeKind(kind)) return [];
  const def = nodeDefinition(kind);
  const parsed = def.dataSchema.safeParse(data);
  if (parsed.success) return [...def.branches(parsed.data)];
  if (kind === 'bucket') {
    const buckets = Array.isArray(data.buckets) ? (data.buckets as { id?: unknown }[]) : [];
    return buckets.map((b) => String(b.id ?? '')).filter(Boolean);
  }
  const fallback = def.dataSchema.safeParse(def.defaultData());
  return fallback.success ? [...def.branches(fallback.data)] : [];
}
