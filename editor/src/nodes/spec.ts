/** What the editor needs per node kind: a colour, a one-line summary and the settings form. */
import type { ComponentType } from 'react';
import type { Product } from '../api/client';

export interface FormProps {
  data: Record<string, unknown>;
  onChange(data: Record<string, unknown>): void;
  products: Product[];
  /** Decision names used elsewhere in the graph, offered as suggestions. */
  decisions: string[];
  readOnly: boolean;
}

export interface EditorNodeSpec {
  color: string;
  icon: string;
  summary(data: Record<string, unknown>): string;
  /** The label people read for a branch when it is not the branch id itself (a split-test bucket's name). */
  branchLabel?(data: Record<string, unknown>, branch: string): string;
  Form: ComponentType<FormProps> | null;
  /** Data a node added in the editor starts with, when it differs from the engine's default. */
  defaultData?(): Record<string, unknown>;
}
