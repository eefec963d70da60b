/**
 * The contract every node kind fulfils: schema, branches, compiled condition and fast evaluation, plus what the kind
 * needs around it (rule-engine operators, per-visitor state, catalogue references). The core loops over the registry
 * and reads these hooks; it never names a kind.
 */
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

/** A custom json-rules-engine operator: `factValue` is the fact (at the condition's path), `jsonValue` its value. */
export type OperatorCallback = (factValue: unknown, jsonValue: unknown) => boolean;

/** The per-visitor facts a kind's state is written into before an evaluation. */
export type StateFacts = Pick<Facts, 'buckets' | 'trials'>;

/**
 * A counted allowance the service keeps per visitor for one node (a meter): the API's decision and replay code drive
 * it through this interface only, with the store calls behind it.
 */
export interface MeterUse {
  nodeId: string;
  /** Meters naming the same tracker share one count. */
  tracker: string;
  /** Uses allowed per window. */
  allowance: number;
  /** What one use is: a distinct content id per window, or every page view. */
  counting: 'uniqueContent' | 'pageViews';
  /** The branch whose passing spends one use. */
  spendingBranch: string;
  /** The branch taken once the allowance is spent. */
  exhaustedBranch: string;
  /** The first instant (epoch ms) of the window containing `now`. */
  windowStart(now: number): number;
  /** After which instant a use stamped `now` in the window starting at `windowStart` never counts again; null: never. */
  expiresAt(windowStart: number, now: number): number | null;
  /** Writes the meter's state (uses left or not) into the facts the node reads. */
  setState(facts: StateFacts, allowed: boolean): void;
}

/** Per-visitor state a kind reads; the caller supplies it in the facts before evaluating. */
export interface VisitorStateHooks<D> {
  /** Sticky state computed from the visitor key alone (e.g. a split-test assignment), written into `facts`. */
  assign?(data: D, nodeId: string, visitorKey: string, facts: StateFacts): void;
  /** A meter kept by the service per visitor; `featureId` names the default tracker. */
  meter?(data: D, nodeId: string, featureId: string): MeterUse;
}

/** Catalogue collections a node may name. */
export type CatalogueCollection = 'products' | 'entitlements';

/** One catalogue entry named by a node's data, and where (`path` inside `data`). */
export interface CatalogueReference {
  collection: CatalogueCollection;
  id: string;
  path: readonly (string | number)[];
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
  /** True for the graph's single entry: nothing may lead into it, and a graph needs exactly one. */
  readonly entry?: boolean;
  /** The branch an edge leaves by when it names none (`sourceHandle` absent or empty). */
  readonly unnamedBranch?: string;
  /** The custom json-rules-engine operators this kind's conditions use, by name (e.g. `cf.equals`). */
  readonly operators?: Readonly<Record<string, OperatorCallback>>;
  /** Per-visitor state the kind reads (split-test assignment, meters). */
  readonly visitorState?: VisitorStateHooks<D>;
  /**
   * The catalogue entries `data` names. Reads leniently: stored drafts may be invalid, so `data` is unparsed JSON and
   * malformed parts are skipped.
   */
  catalogueReferences?(data: unknown): CatalogueReference[];
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
