/**
 * compileGraph: graph -> json-rules-engine rule set (one rule per start-to-outcome path, in first-match order)
 * plus the decision structure the fast evaluator walks. Deterministic: paths are enumerated depth-first from start,
 * following each node's branches in the order its type declares them, so the same graph gives byte-identical output.
 */
import { ClaimflowError } from '../errors/catalogue';
import { isClaimflowOperator } from '../evaluate/rule-operators';
import { FACT_NAMES } from '../facts/facts';
import type { RuleCondition } from '../nodes/node-definition';
import { nodeDefinition } from '../nodes/registry';
import { type CheckedGraph, type ValidateOptions, validateGraph } from '../validate/validate-graph';
import { COMPILED_FORMAT, type CompiledFeature, type CompiledNode, type CompiledRule } from './compiled-feature';

export interface CompileOptions extends ValidateOptions {}

/**
 * Compiles a graph. Throws ClaimflowError CF_GRAPH_NOT_VALID (details: the problems) when it has errors.
 * In `mode: 'draft'`, unconnected branches are allowed: a visitor reaching one gets no decision.
 * @example const compiled = compileGraph(graph); prepareEvaluator(compiled).evaluate(facts)
 */
export function compileGraph(graph: unknown, options: CompileOptions = {}): CompiledFeature {
  const result = validateGraph(graph, options);
  if (!result.ok || !result.graph || result.graph.startId === null) {
    const errors = result.problems.filter((p) => p.severity === 'error');
    const first = errors[0];
    throw new ClaimflowError(
      'CF_GRAPH_NOT_VALID',
      `the graph has ${errors.length} problem${errors.length === 1 ? '' : 's'}${first ? `; first: ${first.message}` : ''}`,
      { nodeId: first?.nodeId, edgeId: first?.edgeId, field: first?.field },
      errors,
    );
  }
  return compileChecked(result.graph);
}

function compileChecked(graph: CheckedGraph): CompiledFeature {
  const startId = graph.startId as string;
  // Decision structure: reachable nodes in breadth-first order, branches in declared order.
  const order: string[] = [startId];
  const seen = new Set(order);
  for (let i = 0; i < order.length; i++) {
    const node = graph.nodes.get(order[i] as string);
    if (!node) continue;
    const out = graph.next.get(node.id);
    for (const branch of node.branches) {
      const target = out?.get(branch);
      if (target !== undefined && !seen.has(target)) {
        seen.add(target);
        order.push(target);
      }
    }
  }
  const nodes: CompiledNode[] = order.map((id) => {
    const node = graph.nodes.get(id);
    if (!node) throw new TypeError(`node ${id} passed validation without data`);
    const out = graph.next.get(id);
    const next: Record<string, string | null> = {};
    for (const branch of node.branches) next[branch] = out?.get(branch) ?? null;
    return { id, type: node.kind, data: node.data, next };
  });

  // Rules: iterative depth-first enumeration of paths.
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const operators = new Set<string>();
  const found: Array<{ path: string[]; conditions: RuleCondition[]; outcome: CompiledNode }> = [];
  interface Frame {
    id: string;
    branchIndex: number;
    pushedCondition: boolean;
  }
  const path: string[] = [];
  const conditions: RuleCondition[] = [];
  const stack: Frame[] = [{ id: startId, branchIndex: 0, pushedCondition: false }];
  path.push(startId);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as Frame;
    const node = byId.get(frame.id) as CompiledNode;
    const def = nodeDefinition(node.type);
    if (def.terminal) {
      found.push({ path: [...path], conditions: [...conditions], outcome: node });
      unwind();
      continue;
    }
    const branches = Object.keys(node.next);
    let advanced = false;
    while (frame.branchIndex < branches.length) {
      const branch = branches[frame.branchIndex++] as string;
      const target = node.next[branch];
      if (target === null || target === undefined) continue; // draft: unconnected branch, no rule
      const condition = def.condition(node.data, branch, node.id);
      const pushed = condition !== null;
      if (pushed) {
        collectOperators(condition, operators);
        conditions.push(condition);
      }
      path.push(target);
      stack.push({ id: target, branchIndex: 0, pushedCondition: pushed });
      advanced = true;
      break;
    }
    if (!advanced) unwind();
  }
  function unwind(): void {
    const done = stack.pop() as Frame;
    path.pop();
    if (done.pushedCondition) conditions.pop();
  }

  const rules: CompiledRule[] = found.map((f, i) => {
    const outcome = f.outcome.data as { decision: string; payload?: unknown };
    const params: CompiledRule['event']['params'] = {
      decision: outcome.decision,
      outcomeNodeId: f.outcome.id,
      path: f.path,
    };
    if (outcome.payload !== undefined) params.payload = outcome.payload;
    return {
      name: `path-${i + 1}: ${f.path.join(' > ')}`,
      priority: found.length - i,
      conditions: { all: f.conditions },
      event: { type: 'decision', params },
    };
  });

  return {
    format: COMPILED_FORMAT,
    engine: { name: 'json-rules-engine', version: '^7', options: { allowUndefinedFacts: true } },
    facts: [...FACT_NAMES],
    operators: [...operators].sort(),
    start: startId,
    nodes,
    rules,
  };
}

function collectOperators(condition: RuleCondition, into: Set<string>): void {
  const stack: RuleCondition[] = [condition];
  while (stack.length > 0) {
    const c = stack.pop() as RuleCondition;
    if ('fact' in c) {
      if (isClaimflowOperator(c.operator)) into.add(c.operator);
    } else if ('all' in c) stack.push(...c.all);
    else if ('any' in c) stack.push(...c.any);
    else stack.push(c.not);
  }
}
