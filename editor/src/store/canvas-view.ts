/**
 * Derived view state of the canvas, kept beside the graph and keyed by node id: the tested path, problems, the
 * diff of a comparison and search matches. Node components select their own entry, so the graph that is saved and
 * published holds only what the engine reads.
 */
import { createContext, useContext, useSyncExternalStore } from 'react';

export interface NodeView {
  /** on the tested or replayed path */
  onPath?: boolean;
  /** on a failing replay case's path */
  failing?: boolean;
  problem?: 'error' | 'warning';
  change?: 'added' | 'removed' | 'changed' | 'same';
  changedFields?: string[];
  /** matches the search */
  match?: boolean;
  /** what the node saw in the last test (from the evaluator's trace), e.g. `saw "Alabama" → yes` */
  seen?: string;
}

export interface CanvasView {
  nodes: Readonly<Record<string, NodeView>>;
}

export interface CanvasViewStore {
  get(): CanvasView;
  /** Replaces the view; entries equal to the previous ones keep their identity, so unchanged nodes do not render. */
  set(next: CanvasView): void;
  subscribe(listener: () => void): () => void;
}

const EMPTY: NodeView = Object.freeze({});

function sameView(a: NodeView, b: NodeView): boolean {
  return (
    a.onPath === b.onPath &&
    a.failing === b.failing &&
    a.problem === b.problem &&
    a.change === b.change &&
    a.match === b.match &&
    a.seen === b.seen &&
    (a.changedFields ?? []).join('\n') === (b.changedFields ?? []).join('\n')
  );
}

export function createCanvasViewStore(): CanvasViewStore {
  let state: CanvasView = { nodes: {} };
  const listeners = new Set<() => void>();
  return {
    get: () => state,
    set(next) {
      const nodes: Record<string, NodeView> = {};
      let changed = Object.keys(next.nodes).length !== Object.keys(state.nodes).length;
      for (const [id, v] of Object.entries(next.nodes)) {
        const old = state.nodes[id];
        if (old && sameView(old, v)) nodes[id] = old;
        else {
          nodes[id] = v;
          changed = true;
        }
      }
      if (!changed) return;
      state = { nodes };
      for (const l of listeners) l();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export const CanvasViewContext = createContext<CanvasViewStore | null>(null);

/** The view entry of one node (an empty entry outside a provider or for an unknown id). */
export function useNodeView(nodeId: string): NodeView {
  const store = useContext(CanvasViewContext);
  return useSyncExternalStore(
    store?.subscribe ?? noopSubscribe,
    () => store?.get().nodes[nodeId] ?? EMPTY,
    () => EMPTY,
  );
}

const noopSubscribe = () => () => {};
