/** `userState`: branches on anonymous / registered / customer. */
import { z } from 'zod';
import { USER_STATES } from '../../facts/facts';
import { defineNode } from '../node-definition';

export const userStateDataSchema = z.object({}).loose();

export const userStateNode = defineNode({
  kind: 'userState',
  label: 'User state',
  description: 'Anonymous (no verified token), registered (verified, no product for this feature), or customer.',
  dataSchema: userStateDataSchema,
  terminal: false,
  defaultData: () => ({}),
  branches: () => USER_STATES,
  condition: (_data, branch) => ({ fact: 'userState', operator: 'equal', value: branch }),
  prepare: () => ({
    tested: 'user state',
    test: (facts) => {
      const state = facts.userState;
      return { branch: (USER_STATES as readonly string[]).includes(state) ? state : null, value: state };
    },
  }),
});
