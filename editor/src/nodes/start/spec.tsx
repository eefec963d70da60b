import type { EditorNodeSpec } from '../spec';

export const startSpec: EditorNodeSpec = {
  color: '#334155',
  icon: '▶',
  summary: () => 'Every decision begins here',
  Form: null,
};
