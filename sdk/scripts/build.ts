/**
 * Builds the SDK package (`npm run build:sdk`): sdk/dist/index.js and sdk/dist/openfeature.js, ES modules for
 * Node 20 with the engine, the token verifier and the contract bundled in (one definition, shared with the
 * service); the packages listed in sdk/package.json stay external. Declarations for TypeScript sites: one bundle
 * (types.d.ts, by dts-bundle-generator; it imports types from the same external packages) and index.d.ts /
 * openfeature.d.ts re-exporting each entry point's names from it.
 * `--only=js` or `--only=types` builds one half (the JavaScript takes a second, the declarations ~15 s of CPU).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateDtsBundle } from 'dts-bundle-generator';
import { build } from 'esbuild';
import ts from 'typescript';

const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);

const sdk = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(sdk, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};

if (only !== 'types')
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
if (only !== 'js') {
  // One bundle holds every declaration (so the client class is the same type for both entry points); each entry's
  // .d.ts re-exports its own names from it, as the compiler lists them.
  mkdirSync(join(sdk, 'dist'), { recursive: true });
  const entries = ['index', 'openfeature'];
  const both = join(sdk, 'dist', 'types-entry.ts');
  writeFileSync(both, entries.map((name) => `export * from '../src/${name}';\n`).join(''));
  try {
    const [bundle] = generateDtsBundle([{ filePath: both, output: { noBanner: true } }], {
      preferredConfigPath: join(sdk, '..', 'tsconfig.json'),
    });
    writeFileSync(join(sdk, 'dist', 'types.d.ts'), bundle as string);
    const program = ts.createProgram(
      entries.map((name) => join(sdk, 'src', `${name}.ts`)),
      { strict: true, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, noEmit: true },
    );
    const checker = program.getTypeChecker();
    for (const name of entries) {
      const source = program.getSourceFile(join(sdk, 'src', `${name}.ts`));
      const symbol = source && checker.getSymbolAtLocation(source);
      if (!symbol) throw new Error(`no module symbol for ${name}.ts`);
      const names = checker.getExportsOfModule(symbol).map((s) => s.getName());
      writeFileSync(join(sdk, 'dist', `${name}.d.ts`), `export { ${names.sort().join(', ')} } from './types.js';\n`);
    }
  } finally {
    rmSync(both, { force: true });
  }
}
console.log(`built ${join(sdk, 'dist')}${only ? ` (${only} only)` : ''}`);
