/**
 * The feature page: canvas with palette, inspector, live validation, undo/redo, copy/paste, auto-layout, save,
 * publish, versions (read-only view, rollback, compare), test panel and replay panel.
 */
import {
  applyEdgeChanges,
  applyNodeChanges,
  Background,
  Controls,
  type Edge,
  type EdgeChange,
  MiniMap,
  type NodeChange,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
} from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { isNodeKind } from '../../../engine/nodes/kinds';
import { NODE_REGISTRY } from '../../../engine/nodes/registry';
import { validateGraph } from '../../../engine/validate/validate-graph';
import {
  ApiError,
  api,
  describeError,
  type FeatureSummary,
  type Graph,
  type Problem,
  type Product,
  type TestResult,
  type VersionSummary,
} from '../api/client';
import { connectionProblem } from '../lib/connection-rules';
import { diffGraphs, type GraphDiff } from '../lib/graph-diff';
import { autoLayout } from '../lib/layout';
import { FlowNode, type NodeView } from '../nodes/FlowNode';
import { type FlowGraph, type FlowNode as FNode, fromFlow, toFlow, useGraphHistory } from '../store/graph-history';
import { Inspector } from './Inspector';
import { DRAG_TYPE, Palette } from './Palette';
import { ProblemsPanel } from './ProblemsPanel';
import { ReplayPanel } from './ReplayPanel';
import { type TestInput, TestPanel } from './TestPanel';
import { VersionsPanel } from './VersionsPanel';

const nodeTypes = Object.fromEntries(Object.keys(NODE_REGISTRY).map((k) => [k, FlowNode]));

type View =
  | { kind: 'edit' }
  | { kind: 'version'; version: number; graph: Graph }
  | { kind: 'compare'; label: string; diff: GraphDiff };
type Tab = 'node' | 'test' | 'versions' | 'replay';

export function FeatureEditor(props: { featureId: string; onDirtyChange(dirty: boolean): void; onBack(): void }) {
  return (
    <ReactFlowProvider>
      <Editor {...props} />
    </ReactFlowProvider>
  );
}

function nextId(kind: string, nodes: FNode[]): string {
  let i = 1;
  const ids = new Set(nodes.map((n) => n.id));
  while (ids.has(`${kind}-${i}`)) i++;
  return `${kind}-${i}`;
}

function Editor({
  featureId,
  onDirtyChange,
  onBack,
}: {
  featureId: string;
  onDirtyChange(dirty: boolean): void;
  onBack(): void;
}) {
  const flow = useReactFlow();
  const history = useGraphHistory({ nodes: [], edges: [] });
  const { graph } = history;
  const [feature, setFeature] = useState<FeatureSummary | null>(null);
  const [products, setProducts] = useState<Product[]>([]);
  const [versions, setVersions] = useState<VersionSummary[]>([]);
  const [view, setView] = useState<View>({ kind: 'edit' });
  const [tab, setTab] = useState<Tab>('node');
  const [highlight, setHighlight] = useState<string[]>([]);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [publishNote, setPublishNote] = useState('');
  const [publishProblems, setPublishProblems] = useState<Problem[] | null>(null);
  const [testInput, setTestInput] = useState<TestInput>({ mode: 'token', token: '', claims: '', context: '' });
  const [testResult, setTestResult] = useState<TestResult | null>(null);
  const clipboard = useRef<FlowGraph | null>(null);
  const base = `/features/${encodeURIComponent(featureId)}`;

  const load = useCallback(async () => {
    try {
      const [f, p, v] = await Promise.all([
        api<FeatureSummary>('GET', base),
        api<Product[]>('GET', '/products'),
        api<VersionSummary[]>('GET', `${base}/versions`),
      ]);
      setFeature(f);
      setProducts(p);
      setVersions(v);
      return f;
    } catch (e) {
      setMessage({ kind: 'error', text: describeError(e) });
      return null;
    }
  }, [base]);

  useEffect(() => {
    void load().then((f) => {
      if (f?.draft) history.reset(toFlow(f.draft));
      setTimeout(() => flow.fitView({ padding: 0.2, maxZoom: 0.9 }), 150);
    });
  }, [load, history.reset, flow]);

  useEffect(() => onDirtyChange(history.dirty), [history.dirty, onDirtyChange]);

  const stored = useMemo(() => fromFlow(graph), [graph]);
  const problems = useMemo(
    () =>
      validateGraph(stored, { mode: 'draft', catalogue: { productIds: products.map((p) => p.id) } })
        .problems as Problem[],
    [stored, products],
  );
  const decisions = useMemo(
    () => [
      ...new Set(
        graph.nodes
          .filter((n) => n.type === 'outcome')
          .map((n) => String(n.data.decision ?? ''))
          .filter(Boolean),
      ),
    ],
    [graph.nodes],
  );
  const readOnly = view.kind !== 'edit';

  // What the canvas shows: the draft (with problems and the tested path), a version, or a comparison.
  const shown = useMemo(() => {
    const path = new Set(highlight);
    const pathEdges = new Set<string>();
    const source =
      view.kind === 'edit' ? graph : view.kind === 'version' ? toFlow(view.graph) : toFlow(view.diff.merged);
    for (let i = 0; i + 1 < highlight.length; i++) {
      const e = source.edges.find((x) => x.source === highlight[i] && x.target === highlight[i + 1]);
      if (e) pathEdges.add(e.id);
    }
    const nodeProblem = new Map<string, 'error' | 'warning'>();
    const edgeProblem = new Set<string>();
    if (view.kind === 'edit') {
      for (const p of problems) {
        if (p.nodeId && nodeProblem.get(p.nodeId) !== 'error') nodeProblem.set(p.nodeId, p.severity);
        if (p.edgeId && p.severity === 'error') edgeProblem.add(p.edgeId);
      }
    }
    const nodes = source.nodes.map((n) => {
      const v: NodeView = { onPath: path.has(n.id), problem: nodeProblem.get(n.id) };
      if (view.kind === 'compare') {
        v.change = view.diff.nodes[n.id]?.change;
        v.changedFields = view.diff.nodes[n.id]?.fields;
      }
      return { ...n, deletable: n.type !== 'start' && !readOnly, draggable: !readOnly, data: { ...n.data, __view: v } };
    });
    const edges: Edge[] = source.edges.map((e) => {
      const change = view.kind === 'compare' ? view.diff.edges[e.id] : undefined;
      const classes = [
        pathEdges.has(e.id) ? 'on-path' : '',
        edgeProblem.has(e.id) ? 'has-error' : '',
        change && change !== 'same' ? `diff-${change}` : '',
      ]
        .filter(Boolean)
        .join(' ');
      return {
        ...e,
        className: classes,
        animated: pathEdges.has(e.id),
        label: e.sourceHandle ?? undefined,
        deletable: !readOnly,
      };
    });
    return { nodes, edges };
  }, [graph, view, highlight, problems, readOnly]);

  const selected = view.kind === 'edit' ? (graph.nodes.find((n) => n.selected) ?? null) : null;

  const onNodesChange = useCallback(
    (changes: NodeChange<FNode>[]) => {
      if (readOnly) {
        return;
      }
      const structural = changes.some((c) => c.type === 'remove' || c.type === 'add');
      const dragEnd = changes.some((c) => c.type === 'position' && c.dragging === false);
      const meaningful = changes.filter(
        (c) => !(c.type === 'remove' && graph.nodes.find((n) => n.id === c.id)?.type === 'start'),
      );
      const nodes = applyNodeChanges(meaningful, graph.nodes).map((n) => {
        const { __view, ...data } = n.data as Record<string, unknown>;
        return __view === undefined ? n : { ...n, data };
      });
      const removed = new Set(meaningful.filter((c) => c.type === 'remove').map((c) => (c as { id: string }).id));
      const edges = removed.size
        ? graph.edges.filter((e) => !removed.has(e.source) && !removed.has(e.target))
        : graph.edges;
      history.set({ nodes, edges }, structural || dragEnd);
    },
    [graph, history, readOnly],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange[]) => {
      if (readOnly) return;
      const structural = changes.some((c) => c.type === 'remove');
      history.set({ nodes: graph.nodes, edges: applyEdgeChanges(changes, graph.edges) }, structural);
    },
    [graph, history, readOnly],
  );

  const isValidConnection = useCallback(
    (c: { source: string | null; target: string | null; sourceHandle?: string | null }) =>
      !readOnly && connectionProblem(stored, c) === null,
    [stored, readOnly],
  );

  const onConnect = useCallback(
    (c: { source: string | null; target: string | null; sourceHandle?: string | null }) => {
      const problem = connectionProblem(stored, c);
      if (problem) return setMessage({ kind: 'error', text: `Not connected: ${problem}.` });
      const handle = c.sourceHandle ?? null;
      const id = `e-${c.source}-${handle ?? 'out'}`;
      history.set({
        nodes: graph.nodes,
        edges: [...graph.edges, { id, source: c.source as string, target: c.target as string, sourceHandle: handle }],
      });
    },
    [stored, graph, history],
  );

  const onDrop = useCallback(
    (e: React.DragEvent) => {
      e.preventDefault();
      const kind = e.dataTransfer.getData(DRAG_TYPE);
      if (readOnly || !isNodeKind(kind)) return;
      const position = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
      const id = nextId(kind, graph.nodes);
      const node: FNode = {
        id,
        type: kind,
        position,
        data: NODE_REGISTRY[kind].defaultData() as Record<string, unknown>,
        selected: true,
      };
      history.set({ nodes: [...graph.nodes.map((n) => ({ ...n, selected: false })), node], edges: graph.edges });
      setTab('node');
    },
    [flow, graph, history, readOnly],
  );

  const updateData = useCallback(
    (id: string, data: Record<string, unknown>) =>
      history.set({ ...graph, nodes: graph.nodes.map((n) => (n.id === id ? { ...n, data } : n)) }),
    [graph, history],
  );

  const selectNode = useCallback(
    (nodeId?: string, edgeId?: string) => {
      const target = nodeId ?? graph.edges.find((e) => e.id === edgeId)?.source;
      if (!target) return;
      history.set({ ...graph, nodes: graph.nodes.map((n) => ({ ...n, selected: n.id === target })) }, false);
      const n = graph.nodes.find((x) => x.id === target);
      if (n) flow.setCenter(n.position.x + 100, n.position.y + 40, { zoom: flow.getZoom(), duration: 200 });
      setTab('node');
    },
    [graph, history, flow],
  );

  const save = useCallback(async () => {
    try {
      await api('PUT', `${base}/draft`, { graph: stored });
      history.markSaved();
      setMessage({ kind: 'ok', text: 'Draft saved.' });
      await load();
    } catch (e) {
      setMessage({ kind: 'error', text: describeError(e) });
    }
  }, [base, stored, history, load]);

  const publish = async () => {
    setPublishProblems(null);
    try {
      await api('PUT', `${base}/draft`, { graph: stored });
      history.markSaved();
      const out = await api<{ version: number }>('POST', `${base}/publish`, { note: publishNote, author: 'editor' });
      setPublishNote('');
      setMessage({ kind: 'ok', text: `Published version ${out.version}. It is live now.` });
      await load();
    } catch (e) {
      if (e instanceof ApiError && Array.isArray(e.problems)) setPublishProblems(e.problems as Problem[]);
      setMessage({ kind: 'error', text: `Not published: ${describeError(e)}` });
    }
  };

  const openVersion = async (version: number) => {
    try {
      const v = await api<{ graph: Graph }>('GET', `${base}/versions/${version}`);
      setView({ kind: 'version', version, graph: v.graph });
      setHighlight([]);
      setTimeout(() => flow.fitView({ padding: 0.2, maxZoom: 1 }), 50);
    } catch (e) {
      setMessage({ kind: 'error', text: describeError(e) });
    }
  };

  const rollback = async (version: number) => {
    if (!window.confirm(`Publish a copy of version ${version} as the new live version?`)) return;
    try {
      const out = await api<{ version: number }>('POST', `${base}/rollback`, { version, author: 'editor' });
      setMessage({ kind: 'ok', text: `Rolled back: version ${out.version} (a copy of ${version}) is live.` });
      await load();
    } catch (e) {
      setMessage({ kind: 'error', text: describeError(e) });
    }
  };

  const compare = async (a: string, b: string) => {
    const graphOf = async (v: string): Promise<Graph> =>
      v === 'draft' ? stored : (await api<{ graph: Graph }>('GET', `${base}/versions/${v}`)).graph;
    try {
      const [ga, gb] = await Promise.all([graphOf(a), graphOf(b)]);
      setView({
        kind: 'compare',
        label: `${a === 'draft' ? 'draft' : `v${a}`} → ${b === 'draft' ? 'draft' : `v${b}`}`,
        diff: diffGraphs(ga, gb),
      });
      setHighlight([]);
      setTimeout(() => flow.fitView({ padding: 0.2, maxZoom: 1 }), 50);
    } catch (e) {
      setMessage({ kind: 'error', text: describeError(e) });
    }
  };

  const layout = () => {
    history.set(autoLayout(graph));
    setTimeout(() => flow.fitView({ padding: 0.15, maxZoom: 1, duration: 200 }), 120);
  };

  // Keyboard: undo/redo, copy/paste, save.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT')) return;
      const mod = e.ctrlKey || e.metaKey;
      if (!mod || readOnly) return;
      const k = e.key.toLowerCase();
      if (k === 'z' && !e.shiftKey) history.undo();
      else if ((k === 'z' && e.shiftKey) || k === 'y') history.redo();
      else if (k === 's') void save();
      else if (k === 'c') {
        const nodes = graph.nodes.filter((n) => n.selected && n.type !== 'start');
        const ids = new Set(nodes.map((n) => n.id));
        clipboard.current = { nodes, edges: graph.edges.filter((x) => ids.has(x.source) && ids.has(x.target)) };
      } else if (k === 'v' && clipboard.current) {
        const map = new Map<string, string>();
        const all = [...graph.nodes];
        const pasted = clipboard.current.nodes.map((n) => {
          const id = nextId(String(n.type), all);
          map.set(n.id, id);
          const copy = { ...n, id, selected: true, position: { x: n.position.x + 40, y: n.position.y + 40 } };
          all.push(copy);
          return copy;
        });
        const edges = clipboard.current.edges.map((x) => ({
          ...x,
          id: `e-${map.get(x.source)}-${x.sourceHandle ?? 'out'}`,
          source: map.get(x.source) as string,
          target: map.get(x.target) as string,
        }));
        history.set({
          nodes: [...graph.nodes.map((n) => ({ ...n, selected: false })), ...pasted],
          edges: [...graph.edges, ...edges],
        });
      } else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [graph, history, readOnly, save]);

  const currentCase = () => {
    if (!testResult) return null;
    const input: Record<string, unknown> = {};
    try {
      if (testInput.mode === 'token') input.token = testInput.token.trim();
      else input.claims = JSON.parse(testInput.claims || '{}');
      if (testInput.context.trim()) input.context = JSON.parse(testInput.context);
    } catch {
      return null;
    }
    return { input, decision: testResult.decision };
  };

  const errors = problems.filter((p) => p.severity === 'error').length;
  const unfinished = problems.length - errors;

  return (
    <div className="editor">
      <div className="toolbar">
        <button className="link" onClick={onBack}>
          ← Features
        </button>
        <h2>{feature?.name ?? featureId}</h2>
        {feature?.publishedVersion ? (
          <span className="badge live">live v{feature.publishedVersion}</span>
        ) : (
          <span className="badge">not published</span>
        )}
        {history.dirty ? (
          <span className="badge warn" data-testid="unsaved">
            unsaved changes
          </span>
        ) : null}
        <span className="spacer" />
        {view.kind !== 'edit' ? (
          <>
            <span className="badge info" data-testid="view-mode">
              {view.kind === 'version'
                ? `viewing v${view.version} (read-only)`
                : `comparing ${view.label}: +${view.diff.summary.added} −${view.diff.summary.removed} ~${view.diff.summary.changed}`}
            </span>
            <button data-testid="back-to-draft" onClick={() => setView({ kind: 'edit' })}>
              Back to the draft
            </button>
          </>
        ) : (
          <>
            <button data-testid="undo" disabled={!history.canUndo} onClick={history.undo} title="Undo (Ctrl+Z)">
              ↶ Undo
            </button>
            <button data-testid="redo" disabled={!history.canRedo} onClick={history.redo} title="Redo (Ctrl+Shift+Z)">
              ↷ Redo
            </button>
            <button data-testid="layout" onClick={layout}>
              Auto-layout
            </button>
            <button data-testid="fit" onClick={() => flow.fitView({ padding: 0.2, duration: 300 })}>
              Fit
            </button>
            <button data-testid="save-draft" onClick={save} title="Save (Ctrl+S)">
              Save draft
            </button>
            <input
              data-testid="publish-note"
              className="note"
              placeholder="What changed? (note)"
              value={publishNote}
              onChange={(e) => setPublishNote(e.target.value)}
            />
            <button
              className="primary"
              data-testid="publish"
              onClick={publish}
              title={errors || unfinished ? 'fix the problems first' : 'publish the draft'}
            >
              Publish
            </button>
          </>
        )}
      </div>
      {message ? (
        <div
          className={`message ${message.kind}`}
          role={message.kind === 'error' ? 'alert' : 'status'}
          data-testid="message"
        >
          {message.text}
          <button className="link" aria-label="dismiss" onClick={() => setMessage(null)}>
            ✕
          </button>
        </div>
      ) : null}
      {publishProblems ? (
        <div className="message error" data-testid="publish-problems">
          Publishing was refused:
          <ul>
            {publishProblems.map((p, i) => (
              <li key={i}>{typeof p === 'object' && p && 'message' in p ? p.message : JSON.stringify(p)}</li>
            ))}
          </ul>
        </div>
      ) : null}
      <div className="workspace">
        <Palette disabled={readOnly} />
        <div className="canvas" data-testid="canvas" onDragOver={(e) => e.preventDefault()} onDrop={onDrop}>
          <ReactFlow
            nodes={shown.nodes}
            edges={shown.edges}
            nodeTypes={nodeTypes}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            onConnect={onConnect}
            isValidConnection={isValidConnection}
            onNodeDragStart={() => history.snapshot()}
            deleteKeyCode={['Backspace', 'Delete']}
            multiSelectionKeyCode={['Shift', 'Meta', 'Control']}
            nodesConnectable={!readOnly}
            elementsSelectable
            defaultViewport={{ x: 40, y: 40, zoom: 0.9 }}
            maxZoom={2}
            minZoom={0.2}
          >
            <Background gap={20} />
            <MiniMap
              pannable
              zoomable
              nodeColor={(n) => ((n.data as { __view?: NodeView }).__view?.onPath ? '#f59e0b' : '#94a3b8')}
            />
            <Controls showInteractive={false} />
          </ReactFlow>
        </div>
        <aside className="side">
          <div className="tabs" role="tablist">
            {(['node', 'test', 'versions', 'replay'] as Tab[]).map((t) => (
              <button
                key={t}
                role="tab"
                aria-selected={tab === t}
                className={tab === t ? 'active' : ''}
                data-testid={`tab-${t}`}
                onClick={() => setTab(t)}
              >
                {t === 'node' ? 'Settings' : t === 'test' ? 'Test' : t === 'versions' ? 'Versions' : 'Replay'}
              </button>
            ))}
          </div>
          <div className="tab-body">
            {tab === 'node' ? (
              <>
                <label className="field">
                  <span className="field-label">Node</span>
                  <select
                    data-testid="node-picker"
                    value={selected?.id ?? ''}
                    onChange={(e) => (e.target.value ? selectNode(e.target.value) : undefined)}
                  >
                    <option value="">choose a node…</option>
                    {graph.nodes.map((n) => (
                      <option key={n.id} value={n.id}>
                        {n.id} · {NODE_REGISTRY[n.type as keyof typeof NODE_REGISTRY]?.label ?? n.type}
                      </option>
                    ))}
                  </select>
                </label>
                <Inspector
                  node={selected}
                  problems={problems}
                  products={products}
                  decisions={decisions}
                  readOnly={readOnly}
                  onChange={updateData}
                />
                {view.kind === 'compare' ? <DiffList diff={view.diff} /> : null}
              </>
            ) : null}
            {tab === 'test' ? (
              <TestPanel
                featureId={featureId}
                versions={versions}
                input={testInput}
                onInput={setTestInput}
                result={testResult}
                onResult={(r) => {
                  setTestResult(r);
                  setHighlight(r?.path ?? []);
                  if (r && r.version !== 'draft' && view.kind === 'edit') void openVersion(r.version as number);
                }}
              />
            ) : null}
            {tab === 'versions' ? (
              <VersionsPanel
                versions={versions}
                published={feature?.publishedVersion ?? null}
                onOpen={openVersion}
                onRollback={rollback}
                onCompare={compare}
              />
            ) : null}
            {tab === 'replay' ? (
              <ReplayPanel
                featureId={featureId}
                versions={versions}
                onHighlight={setHighlight}
                currentCase={currentCase}
              />
            ) : null}
          </div>
          {view.kind === 'edit' ? <ProblemsPanel problems={problems} onSelect={selectNode} /> : null}
        </aside>
      </div>
    </div>
  );
}

function DiffList({ diff }: { diff: GraphDiff }) {
  const rows = Object.entries(diff.nodes).filter(([, v]) => v.change !== 'same');
  return (
    <div className="diff-list" data-testid="diff-list">
      <h4>Changes</h4>
      {rows.length === 0 ? <p className="muted">No node changes.</p> : null}
      <ul>
        {rows.map(([id, v]) => (
          <li key={id} className={`diff-${v.change}`}>
            <code>{id}</code> {v.change}
            {v.fields.length ? `: ${v.fields.join(', ')}` : ''}
          </li>
        ))}
        {Object.entries(diff.edges)
          .filter(([, c]) => c !== 'same')
          .map(([id, c]) => (
            <li key={`edge-${id}`} className={`diff-${c}`}>
              edge <code>{id.replace(/^removed:/, '')}</code> {c}
            </li>
          ))}
      </ul>
    </div>
  );
}
