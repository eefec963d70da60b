/** The contract every node type fulfils: schema, branches, compiled condition and fast evaluation. */
import type { z } from 'zod';
import type { Facts } from '../facts/facts';

/** A json-rules-engine condition as plain JSON (what the compiled artifact holds). */
export type RuleCondition =
  | { fact: string; operator: string; value: unknown; path?: string }
  | { all: RuleCondition[] }
  | { any: RuleCondition[] }
  | { not: RuleCondition };

/** What a node saw when evaluated: the branch it takes (null: none, e.g. an outcome), what it tested and the value. */
export interface NodeStep {
  branch: string | null;
  value: unknown;
}

/** A node's evaluation, prepared once per compiled version: `test` runs per decision, `tested` describes it. */
export interface PreparedNode {
  tested: string;
  test(facts: Facts): NodeStep;
}

export interface NodeDefinition<D, K extends string = string> {
  /** The registry key of this definition (checked by the registry's type). */
  readonly kind: K;
  /** Name shown in the editor palette. */
  readonly label: string;
  readonly description: string;
  /** Validates `node.data`; the parsed output is what the compiler stores. */
  readonly dataSchema: z.ZodType<D>;
  /** True for outcomes: no branches, the decision is made here. */
  readonly terminal: boolean;
  /** Data a new node of this type starts with in the editor. */
  defaultData(): unknown;
  /** The branch names (edge `sourceHandle`s) a node with this data has, in first-match order. */
  branches(data: D): readonly string[];
  /** The json-rules-engine condition under which `branch` is taken; null when always taken. */
  condition(data: D, branch: string, nodeId: string): RuleCondition | null;
  /** Builds the fast evaluation of a node with this data. */
  prepare(data: D, nodeId: string): PreparedNode;
}

/** Helper that keeps the data type of a definition inferred from its schema. */
export function defineNode<D, K extends string>(definition: NodeDefinition<D, K>): NodeDefinition<D, K> {
  return definition;
}
