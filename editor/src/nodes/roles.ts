/** What a node's kind is for in the graph, from its engine definition: the single entry, or a terminal decision. */
import { isNodeKind, nodeDefinition } from '../../../engine';

/** True for the entry kind (the start): nothing leads into it, it cannot be deleted, copied or added from the palette. */
export function isEntryKind(type: string | undefined): boolean {
  return type !== undefined && isNodeKind(type) && nodeDefinition(type).entry === true;
}

/** True for terminal kinds (outcomes): they hold the decision and end the walk. */
export function isTerminalKind(type: string | undefined): boolean {
  return type !== undefined && isNodeKind(type) && nodeDefinition(type).terminal;
}
