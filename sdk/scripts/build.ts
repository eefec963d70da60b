/**
 * Builds the SDK package (`npm run build:sdk`): sdk/dist/index.js and sdk/dist/openfeature.js, ES modules for
 * Node 20 with the engine, the token verifier and the contract bundled in (one definition, shared with the
 * service); the packages listed in sdk/package.json stay external.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const sdk = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(sdk, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};

await build({
  entryPoints: [join(sdk, 'src', 'index.ts'), join(sdk, 'src', 'openfeature.ts')],
  outdir: join(sdk, 'dist'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  external: [...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies)],
  logLevel: 'warning',
});
console.log(`built ${join(sdk, 'dist')}`);
