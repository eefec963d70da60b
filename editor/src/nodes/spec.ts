/**
 * What the editor needs per node kind: a colour, a one-line summary and the settings form, typed by the engine's data
 * type for that kind (`EditorNodeSpec<K>`), the form control of every field of the kind's schema, and, for a kind with
 * per-visitor state, the Test tab's control for it.
 */
import type { ComponentType } from 'react';
import type { NodeData, NodeKind } from '../../../engine';
import type { Product } from '../api/client';

/** Data as it is edited: any field may be missing or half-typed until it passes the kind's schema. */
export type DraftData<K extends NodeKind> = Partial<NodeData<K>> & Record<string, unknown>;

export interface FormProps<K extends NodeKind = NodeKind> {
  data: DraftData<K>;
  onChange(data: DraftData<K>): void;
  products: Product[];
  /** Decision names used elsewhere in the graph, offered as suggestions. */
  decisions: string[];
  readOnly: boolean;
}

/** Every top-level field of a kind's data, each mapped to the `data-testid` of the form control that edits it. */
export type FieldControls<K extends NodeKind> = { readonly [F in keyof NodeData<K> & string]-?: string };

/**
 * The per-visitor inputs of a test run (`POST /features/:id/test`): the visitor id (sticky assignments such as
 * split-test buckets follow from it) and the state forced per metered node (node id -> allowed or exhausted).
 */
export interface VisitorTestState {
  /** empty: the default test visitor */
  visitorId: string;
  /** metered node id -> meter state */
  trials: Record<string, 'allowed' | 'exhausted'>;
}

/** A node as the Test tab hands it to its kind's test control. */
export interface TestNode<K extends NodeKind = NodeKind> {
  id: string;
  data: DraftData<K>;
  /** The name people read (`Split test 'Paywall copy'`). */
  name: string;
}

export interface TestControlProps<K extends NodeKind = NodeKind> {
  node: TestNode<K>;
  /** Every node of this kind that shows a control, this one included, in graph order (state may span them). */
  peers: ReadonlyArray<TestNode<K>>;
  /** The visitor the test runs as: the entered id, or the default test visitor. */
  visitor: string;
  state: VisitorTestState;
  onState(patch: Partial<VisitorTestState>): void;
}

/** The Test tab's control for a kind's per-visitor state (a split test's bucket picker, a meter's state). */
export interface TestControlSpec<K extends NodeKind = NodeKind> {
  /** Whether a node with this data gets a control (a split test needs a bucket of positive weight). */
  shows(data: DraftData<K>): boolean;
  Control: ComponentType<TestControlProps<K>>;
}

export interface EditorNodeSpec<K extends NodeKind = NodeKind> {
  color: string;
  icon: string;
  summary(data: DraftData<K>): string;
  /** The label people read for a branch when it is not the branch id itself (a split-test bucket's name). */
  branchLabel?(data: DraftData<K>, branch: string): string;
  Form: ComponentType<FormProps<K>> | null;
  /** The control of each field of the schema: a field added to the schema without a control fails the type check. */
  controls: FieldControls<K>;
  /** Data a node added in the editor starts with, when it differs from the engine's default. */
  defaultData?(): DraftData<K>;
  /** The Test tab's control for the kind's per-visitor state; absent: the kind has none. */
  testControl?: TestControlSpec<K>;
}

/** A spec with its data type erased, for code that handles every kind alike (canvas, inspector, palette). */
export interface AnyEditorNodeSpec {
  color: string;
  icon: string;
  summary(data: Record<string, unknown>): string;
  branchLabel?(data: Record<string, unknown>, branch: string): string;
  Form: ComponentType<FormProps> | null;
  controls: Readonly<Record<string, string>>;
  defaultData?(): Record<string, unknown>;
  testControl?: TestControlSpec;
}
