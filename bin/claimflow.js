#!/usr/bin/env node
// Command line entry (`npx claimflow ...`): runs the TypeScript CLI through tsx.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../api/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
