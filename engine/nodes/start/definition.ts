/** `start`: the single entry of a graph; one unnamed out edge. */
import { z } from 'zod';
import { defineNode } from '../node-definition';

export const START_BRANCH = 'out';

export const startDataSchema = z.object({}).loose();

export const startNode = defineNode({
  kind: 'start',
  label: 'Start',
  description: 'Where every decision begins. Exactly one per feature.',
  dataSchema: startDataSchema,
  terminal: false,
  entry: true,
  unnamedBranch: START_BRANCH,
  defaultData: () => ({}),
  branches: () => [START_BRANCH],
  condition: () => null,
  prepare: () => ({ tested: 'start', test: () => ({ branch: START_BRANCH, value: null }) }),
});
