/** Human names for nodes: the name a person gave it, else what it decides or tests, never only an internal id. */
import { isNodeKind, nodeDefinition } from '../../../engine';

interface NamedNode {
  id: string;
  type?: string;
  data: Record<string, unknown>;
}

export function kindLabel(type: string | undefined): string {
  return type && isNodeKind(type) ? nodeDefinition(type).label : String(type ?? 'node');
}

/** The node's own name, if it was given one. */
export function givenName(node: NamedNode): string | null {
  const n = node.data.name;
  return typeof n === 'string' && n.trim() ? n.trim() : null;
}

/**
 * What people call a node: `Schedule 'Black Friday'` when named, `Outcome 'paywall'` for a terminal node with its
 * decision, the bare label for the entry (`Start`), else the kind and id (`JWT Token jwtClaim-1`).
 */
export function displayName(node: NamedNode): string {
  const label = kindLabel(node.type);
  const name = givenName(node);
  if (name) return `${label} '${name}'`;
  const def = node.type && isNodeKind(node.type) ? nodeDefinition(node.type) : null;
  if (def?.entry) return label;
  if (def?.terminal && typeof node.data.decision === 'string' && node.data.decision)
    return `${label} '${node.data.decision}'`;
  return `${label} ${node.id}`;
}

/** Text a search matches against: id, name, kind, decision, property and every value in the node's settings. */
export function searchText(node: NamedNode): string {
  const parts: string[] = [node.id, kindLabel(node.type)];
  const walk = (v: unknown) => {
    if (v === null || v === undefined) return;
    if (typeof v === 'object') for (const x of Object.values(v as Record<string, unknown>)) walk(x);
    else parts.push(String(v));
  };
  walk(node.data);
  return parts.join(' ').toLowerCase();
}
