/**
 * What the editor needs per node kind: a colour, a one-line summary and the settings form, typed by the engine's data
 * type for that kind (`EditorNodeSpec<K>`), and the form control of every field of the kind's schema.
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
}
