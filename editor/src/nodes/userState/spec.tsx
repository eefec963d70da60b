import type { EditorNodeSpec } from '../spec';

export const userStateSpec: EditorNodeSpec<'userState'> = {
  color: '#2563eb',
  icon: '◉',
  summary: () => 'anonymous · registered · customer',
  Form: null,
  controls: {},
};
