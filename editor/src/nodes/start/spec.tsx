import type { EditorNodeSpec } from '../spec';

export const startSpec: EditorNodeSpec<'start'> = {
  color: '#334155',
  icon: '▶',
  summary: () => 'Every decision begins here',
  Form: null,
  controls: {},
};
