/**
 * Node kinds own their behaviour: the core (engine outside the kind folders, the API, the SDK, the editor's shared node
 * and lib code) never tests for a particular kind, and every registry entry is the definition of the kind it is keyed by.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EDITOR_NODES } from '../../editor/src/nodes/registry';
import { claimflowOperators, NODE_KINDS, NODE_REGISTRY, nodeDefinition, validateGraph } from '../../engine';

const ROOT = join(import.meta.dirname, '..', '..');

/** Core folders, and the folders inside them that belong to one kind (skipped). */
const CORE = ['engine', 'api', 'sdk/src', 'editor/src'];
/**
 * Files still known to single out kinds, with the reason. The test fails when one of them no longer does, so the list
 * only shrinks.
 */
const KNOWN = new Map<string, string>([]);
const KIND_FOLDERS = new Set(NODE_KINDS.flatMap((k) => [`engine/nodes/${k}`, `editor/src/nodes/${k}`]));

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const path = `${dir}/${name}`;
    if (KIND_FOLDERS.has(path) || name === 'node_modules' || name === 'dist') continue;
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(name)) out.push(path);
  }
  return out;
}

/** Code that singles out a kind: `type === 'bucket'`, `kind !== "start"`, `'trial' === n.type`, `type: 'outcome'`. */
function kindTests(source: string): string[] {
  const names = NODE_KINDS.join('|');
  const q = `['"\`]`;
  const patterns = [
    new RegExp(`\\b(?:type|kind)\\s*[!=]==?\\s*${q}(?:${names})${q}`, 'g'),
    new RegExp(`${q}(?:${names})${q}\\s*[!=]==?\\s*[\\w.?]*\\b(?:type|kind)\\b`, 'g'),
    new RegExp(`\\b(?:type|kind)\\s*:\\s*${q}(?:${names})${q}`, 'g'),
    new RegExp(`case\\s+${q}(?:${names})${q}\\s*:`, 'g'),
  ];
  return patterns.flatMap((p) => source.match(p) ?? []);
}

describe('node kinds stay in their own folders', () => {
  it('the detector finds the ways code singles out a kind', () => {
    expect(kindTests(`if (n.type === 'bucket') x(); if ("start" !== node.kind) y();`)).toHaveLength(2);
    expect(kindTests("{ id: 'a', type: 'outcome' } switch (k) { case `trial`: }")).toHaveLength(2);
    expect(kindTests(`const f = facts.buckets; type Start = 'nothing'; n.type === someKind`)).toHaveLength(0);
  });

  it('no core file tests for a particular kind', () => {
    const files = CORE.flatMap(sourceFiles);
    expect(files.length).toBeGreaterThan(50);
    expect(files).toContain('engine/validate/validate-graph.ts');
    expect(files).not.toContain('engine/nodes/trial/definition.ts');
    const found = files
      .filter((f) => !KNOWN.has(f))
      .flatMap((f) => kindTests(readFileSync(join(ROOT, f), 'utf8')).map((m) => `${f}: ${m}`));
    expect(found).toEqual([]);
    for (const f of KNOWN.keys()) expect(kindTests(readFileSync(join(ROOT, f), 'utf8')), f).not.toEqual([]);
  });

  it("every registry entry's kind equals its key, in the engine and the editor", () => {
    for (const [key, def] of Object.entries(NODE_REGISTRY)) expect(def.kind).toBe(key);
    expect(Object.keys(EDITOR_NODES).sort()).toEqual([...NODE_KINDS].sort());
  });

  it("a kind with per-visitor state has the Test tab's control for it in its editor spec, and only such a kind", () => {
    const stateful = NODE_KINDS.filter((k) => nodeDefinition(k).visitorState !== undefined);
    expect(stateful.length).toBeGreaterThan(0);
    expect(NODE_KINDS.filter((k) => EDITOR_NODES[k].testControl !== undefined)).toEqual(stateful);
  });

  it('exactly one kind is the entry, and entry and terminal kinds are distinct', () => {
    const entries = NODE_KINDS.filter((k) => nodeDefinition(k).entry);
    expect(entries).toHaveLength(1);
    for (const k of NODE_KINDS) expect(nodeDefinition(k).entry && nodeDefinition(k).terminal).toBeFalsy();
  });

  it('the operators of every kind are gathered, and a compiled graph lists those its rules use', () => {
    const ops = Object.keys(claimflowOperators());
    expect(ops).toContain('cf.equals');
    expect(ops).toContain('cf.schedule');
    for (const k of NODE_KINDS)
      for (const name of Object.keys(nodeDefinition(k).operators ?? {})) expect(ops).toContain(name);
  });

  it("catalogue references come from the kind's definition and are checked against the catalogue given", () => {
    const graph = {
      nodes: [
        { id: 's', type: 'start', position: { x: 0, y: 0 }, data: {} },
        { id: 'p', type: 'product', position: { x: 0, y: 0 }, data: { products: ['gold', 'tin'] } },
        { id: 'o', type: 'outcome', position: { x: 0, y: 0 }, data: { decision: 'show' } },
      ],
      edges: [
        { id: 'e1', source: 's', target: 'p' },
        { id: 'e2', source: 'p', sourceHandle: 'yes', target: 'o' },
        { id: 'e3', source: 'p', sourceHandle: 'no', target: 'o' },
      ],
    };
    expect(validateGraph(graph).ok).toBe(true);
    const checked = validateGraph(graph, { catalogue: { productIds: ['gold'] } });
    expect(checked.problems).toEqual([
      expect.objectContaining({ code: 'CF_PRODUCT_UNKNOWN', nodeId: 'p', field: 'data.products.1' }),
    ]);
  });
});
