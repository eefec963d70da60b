/**
 * Import structure of the source layers, read with the TypeScript compiler's parser: no import cycle (type-only
 * imports included: two modules that need each other's types belong together or need a third), the editor reaches the
 * engine only through its public entry, and the engine imports no other layer.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');
const LAYERS = ['engine', 'api', 'editor/src', 'sdk/src'];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const path = `${dir}/${name}`;
    if (name === 'node_modules' || name === 'dist') continue;
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Every import of a file, type-only ones included, resolved to repository paths. */
function allImports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return ts
    .preProcessFile(text, true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((s) => s.startsWith('.'))
    .map((s) => resolveSpecifier(file, s))
    .filter((p): p is string => p !== null);
}

/** The package imports of a file (bare specifiers: `fast-check`, `node:fs`, `zod`), type-only ones included. */
function packageImports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return ts
    .preProcessFile(text, true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((s) => !s.startsWith('.'));
}

/** Every source file reached from `entries` through relative imports. */
function reachable(entries: string[]): Set<string> {
  const seen = new Set<string>();
  const todo = [...entries];
  for (let f = todo.pop(); f !== undefined; f = todo.pop()) {
    if (seen.has(f) || !/\.tsx?$/.test(f)) continue;
    seen.add(f);
    todo.push(...allImports(f));
  }
  return seen;
}

function resolveSpecifier(from: string, specifier: string): string | null {
  const base = resolve(ROOT, dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts'), join(base, 'index.tsx')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return relative(ROOT, candidate);
  }
  return null;
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan, iterative). */
function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const found: string[][] = [];
  for (const root of graph.keys()) {
    if (index.has(root)) continue;
    const work: Array<{ node: string; next: number }> = [{ node: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1] as { node: string; next: number };
      const targets = graph.get(frame.node) ?? [];
      if (frame.next < targets.length) {
        const t = targets[frame.next++] as string;
        if (!index.has(t)) {
          index.set(t, counter);
          low.set(t, counter++);
          stack.push(t);
          onStack.add(t);
          work.push({ node: t, next: 0 });
        } else if (onStack.has(t)) low.set(frame.node, Math.min(low.get(frame.node) ?? 0, index.get(t) ?? 0));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node) ?? 0, low.get(frame.node) ?? 0));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let n: string | undefined;
        do {
          n = stack.pop() as string;
          onStack.delete(n);
          component.push(n);
        } while (n !== frame.node);
        if (component.length > 1 || targets.includes(frame.node)) found.push(component.sort());
      }
    }
  }
  return found;
}

const files = LAYERS.flatMap(sourceFiles);

describe('import structure', () => {
  it('the cycle finder finds a cycle', () => {
    const g = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a', 'd']],
      ['d', []],
    ]);
    expect(cycles(g)).toEqual([['a', 'b', 'c']]);
    expect(cycles(new Map([['a', ['b']]]))).toEqual([]);
  });

  it('has no import cycle in engine, api, editor and sdk (type-only imports included)', () => {
    expect(files.length).toBeGreaterThan(150);
    const graph = new Map<string, string[]>();
    for (const f of files) {
      const targets = allImports(f).filter((p) => /\.tsx?$/.test(p));
      graph.set(f, targets);
    }
    expect(cycles(graph)).toEqual([]);
  });

  it('the editor imports the engine only through engine/index.ts (worked-example JSON aside)', () => {
    const deep = files
      .filter((f) => f.startsWith('editor/src/'))
      .flatMap((f) => allImports(f).map((to) => ({ f, to })))
      .filter(
        ({ to }) => to.startsWith('engine/') && to !== 'engine/index.ts' && !/^engine\/examples\/.*\.json$/.test(to),
      );
    expect(deep).toEqual([]);
  });

  it('test-only generators stay out of what ships: nothing the engine, SDK or service entries reach imports fast-check', () => {
    const shipped = reachable([
      'engine/index.ts',
      'engine/rules-engine.ts',
      'sdk/src/index.ts',
      'sdk/src/openfeature.ts',
      'api/main.ts',
      'editor/src/main.tsx',
    ]);
    expect(shipped.size).toBeGreaterThan(150);
    expect(shipped).not.toContain('engine/nodes/arbitraries.ts');
    const found = [...shipped].filter((f) => packageImports(f).includes('fast-check'));
    expect(found).toEqual([]);
    // the detector sees the generators' import
    expect(packageImports('engine/nodes/arbitraries.ts')).toContain('fast-check');
  });

  it('the engine imports no other layer', () => {
    const out = files
      .filter((f) => f.startsWith('engine/'))
      .flatMap((f) => allImports(f).map((to) => ({ f, to })))
      .filter(({ to }) => !to.startsWith('engine/'));
    expect(out).toEqual([]);
  });
});
