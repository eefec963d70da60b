/**
 * The fast evaluator: walks the compiled decision structure from start, one node per step, so a decision costs time
 * proportional to the length of its path, not to the number of paths. Gives the same decision as running the
 * compiled rules on json-rules-engine (see reference.ts; checked by property-based differential tests).
 */
import type { CompiledFeature } from '../compile/compiled-feature';
import type { Facts } from '../facts/facts';
import type { NodeKind } from '../nodes/kinds';
import type { PreparedNode } from '../nodes/node-definition';
import { nodeDefinition } from '../nodes/registry';

/** One node's record in a trace: what it tested, the value it saw, the branch it took, and when. */
export interface TraceEntry {
  order: number;
  kind: NodeKind;
  tested: string;
  value: unknown;
  branch: string | null;
}

export interface Decision {
  /** The outcome's decision, or null when the walk hit an unconnected branch (drafts only). */
  decision: string | null;
  payload: unknown;
  outcomeNodeId: string | null;
  /** Node ids from start to the outcome, in order. */
  path: string[];
  /** Why: one plain sentence per node on the path. */
  reasons: string[];
  /** Branches taken, by node id (cheap form of the trace). */
  branches: Record<string, string | null>;
  /** Where the walk stopped without an outcome. */
  deadEnd?: { nodeId: string; branch: string | null };
  /** Per-node record keyed by node id, when asked with `{ trace: true }`. */
  trace?: Record<string, TraceEntry>;
}

interface Step {
  id: string;
  kind: NodeKind;
  terminal: boolean;
  entry: boolean;
  prepared: PreparedNode;
  decision: string | null;
  payload: unknown;
  next: Map<string, number>;
}

export interface Evaluator {
  readonly compiled: CompiledFeature;
  evaluate(facts: Facts, options?: { trace?: boolean }): Decision;
}

const cache = new WeakMap<CompiledFeature, Evaluator>();

function describe(step: Step, value: unknown, branch: string | null): string {
  if (step.terminal) return `decision "${step.decision}" (node ${step.id})`;
  if (step.entry) return `${step.prepared.tested} (node ${step.id})`;
  const seen = value === undefined ? 'nothing' : JSON.stringify(value);
  return `${step.prepared.tested}: saw ${seen} -> ${branch ?? 'no branch'} (node ${step.id})`;
}

/** A decision whose `reasons` are worded on first read, so decisions nobody explains pay nothing for them. */
class DecisionResult implements Decision {
  decision: string | null;
  payload: unknown;
  outcomeNodeId: string | null;
  path: string[];
  branches: Record<string, string | null>;
  deadEnd?: { nodeId: string; branch: string | null };
  trace?: Record<string, TraceEntry>;
  #seen: unknown[];
  #reasons: string[] | undefined;
  #describe: (id: string, value: unknown, branch: string | null) => string;

  constructor(
    path: string[],
    seen: unknown[],
    branches: Record<string, string | null>,
    last: Step,
    trace: Record<string, TraceEntry> | undefined,
    describeAt: (id: string, value: unknown, branch: string | null) => string,
  ) {
    this.decision = last.terminal ? last.decision : null;
    this.payload = last.terminal ? last.payload : undefined;
    this.outcomeNodeId = last.terminal ? last.id : null;
    this.path = path;
    this.branches = branches;
    if (!last.terminal) this.deadEnd = { nodeId: last.id, branch: branches[last.id] ?? null };
    if (trace) this.trace = trace;
    this.#seen = seen;
    this.#reasons = undefined;
    this.#describe = describeAt;
  }

  get reasons(): string[] {
    if (!this.#reasons)
      this.#reasons = this.path.map((id, k) => this.#describe(id, this.#seen[k], this.branches[id] ?? null));
    return this.#reasons;
  }

  toJSON(): Decision {
    const { decision, payload, outcomeNodeId, path, reasons, branches, deadEnd, trace } = this;
    return { decision, payload, outcomeNodeId, path, reasons, branches, deadEnd, trace };
  }
}

/**
 * Prepares (once per compiled version, cached) the evaluator of a compiled feature.
 * @example prepareEvaluator(compileGraph(graph)).evaluate({ userState: 'anonymous', ... })
 */
export function prepareEvaluator(compiled: CompiledFeature): Evaluator {
  const hit = cache.get(compiled);
  if (hit) return hit;
  const index = new Map(compiled.nodes.map((n, i) => [n.id, i]));
  const steps: Step[] = compiled.nodes.map((n) => {
    const def = nodeDefinition(n.type);
    const outcome = def.terminal ? (n.data as { decision: string; payload?: unknown }) : null;
    const next = new Map<string, number>();
    for (const [branch, target] of Object.entries(n.next)) {
      if (target !== null) next.set(branch, index.get(target) as number);
    }
    return {
      id: n.id,
      kind: n.type,
      terminal: def.terminal,
      entry: def.entry === true,
      prepared: def.prepare(n.data, n.id),
      decision: outcome ? outcome.decision : null,
      payload: outcome ? outcome.payload : undefined,
      next,
    };
  });
  const start = index.get(compiled.start);
  if (start === undefined) throw new TypeError('compiled feature has no start node');
  const maxSteps = steps.length;

  const describeAt = (id: string, value: unknown, branch: string | null) =>
    describe(steps[index.get(id) as number] as Step, value, branch);
  const result = (
    path: string[],
    seen: unknown[],
    branches: Record<string, string | null>,
    last: Step,
    trace: Record<string, TraceEntry> | undefined,
  ): Decision => new DecisionResult(path, seen, branches, last, trace, describeAt);

  const evaluator: Evaluator = {
    compiled,
    evaluate(facts, options) {
      const trace: Record<string, TraceEntry> | undefined = options?.trace === true ? {} : undefined;
      const path: string[] = [];
      const seen: unknown[] = [];
      const branches: Record<string, string | null> = {};
      let i: number | undefined = start;
      for (let count = 0; i !== undefined && count < maxSteps; count++) {
        const step = steps[i] as Step;
        path.push(step.id);
        const out = step.prepared.test(facts);
        seen.push(out.value);
        branches[step.id] = out.branch;
        if (trace) {
          trace[step.id] = {
            order: count,
            kind: step.kind,
            tested: step.prepared.tested,
            value: out.value,
            branch: out.branch,
          };
        }
        if (step.terminal) return result(path, seen, branches, step, trace);
        const nextIndex: number | undefined = out.branch === null ? undefined : step.next.get(out.branch);
        if (nextIndex === undefined) return result(path, seen, branches, step, trace);
        i = nextIndex;
      }
      throw new TypeError('compiled feature is not acyclic');
    },
  };
  cache.set(compiled, evaluator);
  return evaluator;
}

/** Shorthand: evaluate `facts` against `compiled` with the cached fast evaluator. */
export function evaluate(compiled: CompiledFeature, facts: Facts, options?: { trace?: boolean }): Decision {
  return prepareEvaluator(compiled).evaluate(facts, options);
}
