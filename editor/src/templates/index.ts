/** Rules a new feature can start from: the engine's worked examples, shipped with the editor. */
import meteredTrial from '../../../engine/examples/metered-trial.json';
import splitTest from '../../../engine/examples/split-test.json';
import switchPlans from '../../../engine/examples/switch-plans.json';
import zephrTutorial from '../../../engine/examples/zephr-tutorial.json';
import type { Graph } from '../api/client';

export interface Template {
  id: string;
  name: string;
  description: string;
  graph: Graph;
}

export const TEMPLATES: readonly Template[] = [
  {
    id: 'zephr-tutorial',
    name: 'Zephr tutorial',
    description: 'anonymous → registration wall; registered in Alabama → offer, else paywall; customers read',
    graph: zephrTutorial as Graph,
  },
  {
    id: 'metered-trial',
    name: 'Metered paywall',
    description: 'registered readers get 3 free articles per 30 days, then the paywall; expired tokens sign in again',
    graph: meteredTrial as Graph,
  },
  {
    id: 'split-test',
    name: 'Split test',
    description: 'registered readers split between three paywall copies',
    graph: splitTest as Graph,
  },
  {
    id: 'switch-plans',
    name: 'Plans (switch)',
    description:
      'one switch on the org.plan claim: gold or platinum read in full, silver or bronze get a teaser, no plan → registration wall, any other plan → paywall',
    graph: switchPlans as Graph,
  },
];
