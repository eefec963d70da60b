/**
 * The graph being edited, with undo/redo history (snapshots of nodes and edges). "Unsaved" compares the stored shape
 * with the last one loaded or saved, so view changes (sizes measured, selection) never count as edits, and undoing
 * back to the saved graph is not an unsaved change.
 */
import type { Edge, Node } from '@xyflow/react';
import { useCallback, useMemo, useReducer } from 'react';
import type { GraphView as StoredGraph } from '../../../api/contract/features';
import type { Graph } from '../api/client';

export type FlowNode = Node<Record<string, unknown>>;
export interface FlowGraph {
  nodes: FlowNode[];
  edges: Edge[];
}

interface State {
  past: FlowGraph[];
  present: FlowGraph;
  future: FlowGraph[];
  /** The stored shape (`fromFlow`, as JSON) last loaded or saved. */
  saved: string;
}

const storedKey = (graph: FlowGraph) => JSON.stringify(fromFlow(graph));

type Action =
  | { type: 'set'; graph: FlowGraph; record: boolean }
  | { type: 'place'; positions: ReadonlyMap<string, { x: number; y: number }> }
  | { type: 'snapshot' }
  | { type: 'undo' }
  | { type: 'redo' }
  | { type: 'reset'; graph: FlowGraph }
  | { type: 'saved' };

const LIMIT = 100;

function reducer(state: State, action: Action): State {
  switch (action.type) {
    case 'set':
      return action.record
        ? { ...state, past: [...state.past, state.present].slice(-LIMIT), present: action.graph, future: [] }
        : { ...state, present: action.graph };
    case 'place': {
      // positions computed from an earlier graph, placed on the present one: edits made meanwhile are kept
      const nodes = state.present.nodes.map((n) => {
        const position = action.positions.get(n.id);
        return position ? { ...n, position } : n;
      });
      return {
        ...state,
        past: [...state.past, state.present].slice(-LIMIT),
        present: { ...state.present, nodes },
        future: [],
      };
    }
    case 'snapshot':
      return { ...state, past: [...state.past, state.present].slice(-LIMIT), future: [] };
    case 'undo': {
      if (state.past.length === 0) return state;
      const previous = state.past[state.past.length - 1];
      return { ...state, past: state.past.slice(0, -1), present: previous, future: [state.present, ...state.future] };
    }
    case 'redo': {
      if (state.future.length === 0) return state;
      const [next, ...rest] = state.future;
      return { ...state, past: [...state.past, state.present], present: next, future: rest };
    }
    case 'reset':
      return { past: [], present: action.graph, future: [], saved: storedKey(action.graph) };
    case 'saved':
      return { ...state, saved: storedKey(state.present) };
  }
}

export function useGraphHistory(initial: FlowGraph) {
  const [state, dispatch] = useReducer(reducer, { past: [], present: initial, future: [], saved: storedKey(initial) });
  const dirty = useMemo(() => storedKey(state.present) !== state.saved, [state.present, state.saved]);
  return {
    graph: state.present,
    /** The graph differs from the one last loaded or saved. */
    dirty,
    canUndo: state.past.length > 0,
    canRedo: state.future.length > 0,
    set: useCallback((graph: FlowGraph, record = true) => dispatch({ type: 'set', graph, record }), []),
    /** Moves nodes to these positions (an undoable step); nodes not named, and everything else, stay as they are. */
    place: useCallback(
      (positions: ReadonlyMap<string, { x: number; y: number }>) => dispatch({ type: 'place', positions }),
      [],
    ),
    snapshot: useCallback(() => dispatch({ type: 'snapshot' }), []),
    undo: useCallback(() => dispatch({ type: 'undo' }), []),
    redo: useCallback(() => dispatch({ type: 'redo' }), []),
    reset: useCallback((graph: FlowGraph) => dispatch({ type: 'reset', graph }), []),
    markSaved: useCallback(() => dispatch({ type: 'saved' }), []),
  };
}

/** Stored graph -> React Flow state (a draft saved through the API may lack positions or data). */
export function toFlow(graph: StoredGraph): FlowGraph {
  return {
    nodes: graph.nodes.map((n) => ({
      id: n.id,
      type: n.type,
      position: n.position ?? { x: 0, y: 0 },
      data: (n.data ?? {}) as Record<string, unknown>,
    })),
    edges: graph.edges.map((e) => ({
      id: e.id,
      source: e.source,
      target: e.target,
      sourceHandle: e.sourceHandle ?? null,
    })),
  };
}

/** React Flow state -> the stored shape (no selection, sizes or other view state). */
export function fromFlow(flow: FlowGraph): Graph {
  return {
    nodes: flow.nodes.map((n) => ({
      id: n.id,
      type: String(n.type),
      position: { x: Math.round(n.position.x), y: Math.round(n.position.y) },
      data: n.data,
    })),
    edges: flow.edges.map((e) => ({
      id: e.id,
      source: e.source,
      target: e.target,
      sourceHandle: e.sourceHandle ?? null,
    })),
  };
}
