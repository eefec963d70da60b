/** Test helpers for the engine: fact builders and example graphs. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Facts } from '../../engine';

export const root = join(import.meta.dirname, '..', '..');

export function loadJson(relative: string): unknown {
  return JSON.parse(readFileSync(join(root, relative), 'utf8'));
}

export function facts(partial: Partial<Facts> = {}): Facts {
  return {
    userState: 'anonymous',
    products: [],
    entitlements: [],
    claims: {},
    request: {},
    buckets: {},
    trials: {},
    ...partial,
  };
}
