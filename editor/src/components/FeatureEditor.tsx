/**
 * The feature page: the canvas with its palette and side panels. State lives in hooks (`useFeature` for what the
 * server holds, `useGraphHistory` for the canvas, `useCanvasView` for what the canvas shows, `useShortcuts`,
 * `useClipboard`); this component wires them to the toolbar, canvas and panels.
 */
import {
  applyEdgeChanges,
  applyNodeChanges,
  type EdgeChange,
  type NodeChange,
  ReactFlowProvider,
  useReactFlow,
} from '@xyflow/react';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { isNodeKind, type NodeKind } from '../../../engine/nodes/kinds';
import { NODE_REGISTRY } from '../../../engine/nodes/registry';
import { validateGraph } from '../../../engine/validate/validate-graph';
import { api, describeError, type Graph, type Problem, type TestResult } from '../api/client';
import { type Highlight, useCanvasView } from '../hooks/useCanvasView';
import { useClipboard } from '../hooks/useClipboard';
import { useFeature } from '../hooks/useFeature';
import { useReadableFit } from '../hooks/useReadableFit';
import { type Shortcut, useShortcuts } from '../hooks/useShortcuts';
import { connectionProblem } from '../lib/connection-rules';
import { freePosition } from '../lib/free-space';
import { diffGraphs } from '../lib/graph-diff';
import { autoLayout } from '../lib/layout';
import { nextNodeId } from '../lib/node-ids';
import { displayName, searchText } from '../lib/node-names';
import { EDITOR_NODES } from '../nodes/registry';
import { CanvasViewContext, createCanvasViewStore } from '../store/canvas-view';
import { type FlowNode as FNode, fromFlow, toFlow, useGraphHistory } from '../store/graph-history';
import { Canvas } from './Canvas';
import { DiffList } from './DiffList';
import { EditorToolbar } from './EditorToolbar';
import { FeatureSettings } from './FeatureSettings';
import { Inspector } from './Inspector';
import { DRAG_TYPE, Palette } from './Palette';
import { ProblemsPanel } from './ProblemsPanel';
import { PublishDialog } from './PublishDialog';
import { ReplayPanel } from './ReplayPanel';
import { SearchBox } from './SearchBox';
import { ShortcutsHelp } from './ShortcutsHelp';
import { emptyTestInput, type TestInput, TestPanel, testRequestBody } from './TestPanel';
import { VersionsPanel } from './VersionsPanel';

export type Tab = 'node' | 'test' | 'versions' | 'replay';
type Message = { kind: 'ok' | 'error'; text: string; action?: { label: string; run(): void } };

export function FeatureEditor(props: { featureId: string; onDirtyChange(dirty: boolean): void; onBack(): void }) {
  return (
    <ReactFlowProvider>
      <Editor {...props} />
    </ReactFlowProvider>
  );
}

/** The graph without positions or selection: what the engine reads. Edits that change it make old results stale. */
function semanticKey(g: Graph): string {
  return JSON.stringify([g.nodes.map((n) => [n.id, n.type, n.data]), g.edges]);
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
  const server = useFeature(featureId);
  const { feature, products, entitlements, versions } = server;
  const viewStore = useMemo(createCanvasViewStore, []);
  const [mode, setMode] = useState<Parameters<typeof useCanvasView>[0]['mode']>({ kind: 'edit' });
  const [tab, setTab] = useState<Tab>('node');
  const [highlight, setHighlight] = useState<(Highlight & { from: Tab }) | null>(null);
  const [message, setMessage] = useState<Message | null>(null);
  const [publishing, setPublishing] = useState(false);
  const [testInput, setTestInput] = useState<TestInput>(emptyTestInput);
  const [testResult, setTestResult] = useState<(TestResult & { tested: string; ranAt: string }) | null>(null);
  const [search, setSearch] = useState<string | null>(null);
  const [help, setHelp] = useState(false);
  const [minimap, setMinimap] = useState(true);
  const canvasElement = useCallback(() => document.querySelector<HTMLElement>('[data-testid="canvas"]'), []);
  const base = `/features/${encodeURIComponent(featureId)}`;

  const fit = useReadableFit(canvasElement, minimap);

  useEffect(() => {
    void server.reload().then((f) => {
      if (f?.draft) history.reset(toFlow(f.draft));
      setTimeout(fit, 150);
    });
  }, [server.reload, history.reset, fit]);
  useEffect(() => {
    if (server.error) setMessage({ kind: 'error', text: server.error });
  }, [server.error]);
  useEffect(() => onDirtyChange(history.dirty), [history.dirty, onDirtyChange]);

  const stored = useMemo(() => fromFlow(graph), [graph]);
  const key = useMemo(() => semanticKey(stored), [stored]);
  // Every edit makes the last test, the highlighted path and "published" messages stale.
  const [lastKey, setLastKey] = useState(key);
  if (key !== lastKey) {
    setLastKey(key);
    setTestResult(null);
    setHighlight(null);
    if (message?.kind === 'ok') setMessage(null);
  }

  const problems = useMemo(
    () =>
      validateGraph(stored, { mode: 'draft', catalogue: { productIds: products.map((p) => p.id) } })
        .problems as Problem[],
    [stored, products],
  );
  const names = useMemo(() => new Map(graph.nodes.map((n) => [n.id, displayName(n)])), [graph.nodes]);
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
  const matches = useMemo(() => {
    const q = search?.trim().toLowerCase();
    if (!q) return new Set<string>();
    return new Set(graph.nodes.filter((n) => searchText(n).includes(q)).map((n) => n.id));
  }, [search, graph.nodes]);

  const shownHighlight = highlight && highlight.from === tab ? highlight : null;
  const canvas = useCanvasView({
    store: viewStore,
    graph,
    mode,
    highlight: shownHighlight,
    problems,
    matches,
  });
  const { readOnly } = canvas;
  const selected = mode.kind === 'edit' ? (graph.nodes.find((n) => n.selected) ?? null) : null;

  const onNodesChange = useCallback(
    (changes: NodeChange<FNode>[]) => {
      if (readOnly) return;
      const structural = changes.some((c) => c.type === 'remove' || c.type === 'add');
      const dragEnd = changes.some((c) => c.type === 'position' && c.dragging === false);
      const meaningful = changes.filter(
        (c) => !(c.type === 'remove' && graph.nodes.find((n) => n.id === c.id)?.type === 'start'),
      );
      const nodes = applyNodeChanges(meaningful, graph.nodes);
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

  /** Adds a node of `kind` near `wanted` (flow coordinates), in free space, selected. */
  const addNode = useCallback(
    (kind: NodeKind, wanted: { x: number; y: number }) => {
      const id = nextNodeId(kind, graph.nodes);
      const node: FNode = {
        id,
        type: kind,
        position: freePosition({ x: Math.round(wanted.x), y: Math.round(wanted.y) }, graph.nodes),
        data: (EDITOR_NODES[kind].defaultData?.() ?? NODE_REGISTRY[kind].defaultData()) as Record<string, unknown>,
        selected: true,
      };
      history.set({ nodes: [...graph.nodes.map((n) => ({ ...n, selected: false })), node], edges: graph.edges });
      setTab('node');
    },
    [graph, history],
  );

  const onDrop = useCallback(
    (e: React.DragEvent) => {
      e.preventDefault();
      const kind = e.dataTransfer.getData(DRAG_TYPE);
      if (readOnly || !isNodeKind(kind)) return;
      addNode(kind, flow.screenToFlowPosition({ x: e.clientX, y: e.clientY }));
    },
    [flow, readOnly, addNode],
  );

  const addAtCentre = useCallback(
    (kind: NodeKind) => {
      if (readOnly) return;
      const el = canvasElement()?.getBoundingClientRect();
      const centre = el ? { x: el.left + el.width / 2, y: el.top + el.height / 2 } : { x: 400, y: 300 };
      const p = flow.screenToFlowPosition(centre);
      addNode(kind, { x: p.x - 100, y: p.y - 40 });
    },
    [flow, readOnly, addNode, canvasElement],
  );

  const updateData = useCallback(
    (id: string, data: Record<string, unknown>) =>
      history.set({ ...graph, nodes: graph.nodes.map((n) => (n.id === id ? { ...n, data } : n)) }),
    [graph, history],
  );

  /** Selects a node (or an edge's source), zooms to it and shows its settings. */
  const selectNode = useCallback(
    (nodeId?: string, edgeId?: string) => {
      const target = nodeId ?? graph.edges.find((e) => e.id === edgeId)?.source;
      if (!target) return;
      history.set({ ...graph, nodes: graph.nodes.map((n) => ({ ...n, selected: n.id === target })) }, false);
      const n = graph.nodes.find((x) => x.id === target);
      if (n) {
        const w = n.measured?.width ?? 200;
        const h = n.measured?.height ?? 80;
        flow.setCenter(n.position.x + w / 2, n.position.y + h / 2, {
          zoom: Math.max(flow.getZoom(), 1),
          duration: 200,
        });
      }
      setTab('node');
    },
    [graph, history, flow],
  );

  const saveDraft = useCallback(async () => {
    await api('PUT', `${base}/draft`, { graph: stored });
    history.markSaved();
    await server.reload();
  }, [base, stored, history, server.reload]);

  const save = useCallback(async () => {
    try {
      await saveDraft();
      setMessage({ kind: 'ok', text: 'Draft saved.' });
    } catch (e) {
      setMessage({ kind: 'error', text: describeError(e) });
    }
  }, [saveDraft]);

  const openVersion = useCallback(
    async (version: number) => {
      try {
        const v = await api<{ graph: Graph }>('GET', `${base}/versions/${version}`);
        setMode({ kind: 'version', version, graph: v.graph });
        setTimeout(fit, 50);
      } catch (e) {
        setMessage({ kind: 'error', text: describeError(e) });
      }
    },
    [base, fit],
  );

  /** Replaces the canvas and the saved draft with a version's graph (after a rollback, on request). */
  const resetDraftTo = useCallback(
    async (version: number) => {
      try {
        const v = await api<{ graph: Graph }>('GET', `${base}/versions/${version}`);
        await api('PUT', `${base}/draft`, { graph: v.graph });
        history.reset(toFlow(v.graph));
        setMode({ kind: 'edit' });
        await server.reload();
        setMessage({ kind: 'ok', text: `The draft is now version ${version}, as live.` });
        setTimeout(fit, 50);
      } catch (e) {
        setMessage({ kind: 'error', text: describeError(e) });
      }
    },
    [base, history, server.reload, fit],
  );

  const rollback = async (version: number) => {
    if (!window.confirm(`Publish a copy of version ${version} as the new live version?`)) return;
    try {
      const out = await api<{ version: number }>('POST', `${base}/rollback`, { version, author: 'editor' });
      const f = await server.reload();
      setMessage({
        kind: 'ok',
        text: `Rolled back: version ${out.version} (a copy of ${version}) is live.${
          f?.draftDiffers || history.dirty ? ' Your draft still holds the changes you rolled back.' : ''
        }`,
        action:
          f?.draftDiffers || history.dirty
            ? { label: `Reset the draft to version ${out.version}`, run: () => void resetDraftTo(out.version) }
            : undefined,
      });
    } catch (e) {
      setMessage({ kind: 'error', text: describeError(e) });
    }
  };

  const compare = async (a: string, b: string) => {
    const graphOf = async (v: string): Promise<Graph> =>
      v === 'draft' ? stored : (await api<{ graph: Graph }>('GET', `${base}/versions/${v}`)).graph;
    try {
      const [ga, gb] = await Promise.all([graphOf(a), graphOf(b)]);
      setMode({
        kind: 'compare',
        label: `${a === 'draft' ? 'draft' : `v${a}`} → ${b === 'draft' ? 'draft' : `v${b}`}`,
        diff: diffGraphs(ga, gb),
      });
      setTimeout(fit, 50);
    } catch (e) {
      setMessage({ kind: 'error', text: describeError(e) });
    }
  };

  const layout = async () => {
    try {
      history.set(await autoLayout(graph));
      setTimeout(fit, 120);
    } catch (e) {
      setMessage({ kind: 'error', text: `Auto-layout failed: ${describeError(e)}` });
    }
  };

  /** Tests what is on the canvas: unsaved edits are saved as the draft first, so the draft tested is the canvas. */
  const runTest = async (input: TestInput, against: string) => {
    const body = testRequestBody(input, against);
    // The clock is always sent, so the same input can be replayed later at the same time.
    const ranAt = (body.now as string | undefined) ?? new Date().toISOString();
    body.now = ranAt;
    let tested = against === 'draft' ? 'the canvas (the saved draft)' : `version ${against}`;
    if (against === 'draft' && history.dirty) {
      await saveDraft();
      tested = 'the canvas (its unsaved changes were saved as the draft first)';
    }
    const r = await api<TestResult>('POST', `${base}/test`, body);
    setTestResult({ ...r, tested, ranAt });
    setHighlight({ path: r.path, trace: r.trace, from: 'test' });
    if (r.version !== 'draft' && mode.kind === 'edit') void openVersion(r.version as number);
  };

  const clipboard = useClipboard(graph, history.set);
  const shortcuts: Shortcut[] = [
    { keys: 'mod+z', description: 'Undo', run: () => !readOnly && history.undo() },
    { keys: 'mod+shift+z', description: 'Redo', run: () => !readOnly && history.redo() },
    { keys: 'mod+y', description: 'Redo', run: () => !readOnly && history.redo() },
    { keys: 'mod+s', description: 'Save the draft', run: () => !readOnly && void save(), inFields: true },
    { keys: 'mod+c', description: 'Copy the selected nodes', run: clipboard.copy },
    { keys: 'mod+v', description: 'Paste', run: () => !readOnly && clipboard.paste() },
    { keys: 'mod+f', description: 'Search nodes', run: () => setSearch((s) => s ?? ''), inFields: true },
    { keys: '/', description: 'Search nodes', run: () => setSearch((s) => s ?? '') },
    { keys: '?', description: 'Show these shortcuts', run: () => setHelp(true) },
    {
      keys: 'escape',
      description: 'Close search, dialogs and help',
      run: () => {
        setSearch(null);
        setHelp(false);
      },
      inFields: true,
    },
  ];
  useShortcuts(shortcuts, !publishing);

  const currentCase = () => {
    if (!testResult) return null;
    try {
      const body = testRequestBody(testInput, 'draft');
      const { against: _a, ...input } = body;
      // Everything the test used, so the case decides the same when replayed.
      return {
        input: { ...input, visitorId: input.visitorId ?? 'test-visitor', now: input.now ?? testResult.ranAt },
        decision: testResult.decision,
      };
    } catch {
      return null;
    }
  };

  const errors = problems.filter((p) => p.severity === 'error').length;
  const unfinished = problems.length - errors;

  return (
    <CanvasViewContext.Provider value={viewStore}>
      <div className="editor">
        <EditorToolbar
          title={feature?.name ?? featureId}
          publishedVersion={feature?.publishedVersion ?? null}
          draftDiffers={!!feature?.draftDiffers}
          dirty={history.dirty}
          mode={mode}
          canUndo={history.canUndo}
          canRedo={history.canRedo}
          ready={errors + unfinished === 0}
          minimap={minimap}
          onBack={onBack}
          onBackToDraft={() => setMode({ kind: 'edit' })}
          onUndo={history.undo}
          onRedo={history.redo}
          onLayout={layout}
          onFit={fit}
          onSave={save}
          onPublish={() => setPublishing(true)}
          onSearch={() => setSearch((s) => s ?? '')}
          onHelp={() => setHelp(true)}
          onToggleMinimap={() => setMinimap((m) => !m)}
        />
        {message ? (
          <div
            className={`message ${message.kind}`}
            role={message.kind === 'error' ? 'alert' : 'status'}
            data-testid="message"
          >
            <span>{message.text}</span>
            {message.action ? (
              <button data-testid="message-action" onClick={message.action.run}>
                {message.action.label}
              </button>
            ) : null}
            <button className="link" aria-label="dismiss" onClick={() => setMessage(null)}>
              ✕
            </button>
          </div>
        ) : null}
        <div className="workspace">
          <Palette disabled={readOnly} onAdd={addAtCentre} />
          <div className="canvas" data-testid="canvas" onDragOver={(e) => e.preventDefault()} onDrop={onDrop}>
            {search !== null ? (
              <SearchBox
                query={search}
                onQuery={setSearch}
                results={graph.nodes.filter((n) => matches.has(n.id))}
                onPick={(id) => {
                  selectNode(id);
                  setSearch(null);
                }}
                onClose={() => setSearch(null)}
              />
            ) : null}
            <Canvas
              nodes={canvas.nodes}
              edges={canvas.edges}
              readOnly={readOnly}
              minimap={minimap}
              onNodesChange={onNodesChange}
              onEdgesChange={onEdgesChange}
              onConnect={onConnect}
              isValidConnection={isValidConnection}
              onNodeDragStart={history.snapshot}
            />
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
                          {names.get(n.id)}
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
                  {mode.kind === 'compare' ? <DiffList diff={mode.diff} /> : null}
                  {!selected && mode.kind === 'edit' && feature ? (
                    <FeatureSettings
                      feature={feature}
                      entitlements={entitlements}
                      onSaved={() => void server.reload()}
                    />
                  ) : null}
                </>
              ) : null}
              {tab === 'test' ? (
                <TestPanel
                  graph={stored}
                  versions={versions}
                  input={testInput}
                  onInput={setTestInput}
                  result={testResult}
                  onRun={runTest}
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
                  names={names}
                  onHighlight={(path, failing) => setHighlight({ path, failing, from: 'replay' })}
                  beforeRun={async () => {
                    if (history.dirty) await saveDraft();
                  }}
                  currentCase={currentCase}
                />
              ) : null}
            </div>
            {mode.kind === 'edit' ? <ProblemsPanel problems={problems} names={names} onSelect={selectNode} /> : null}
          </aside>
        </div>
        {publishing ? (
          <PublishDialog
            featureId={featureId}
            draft={stored}
            publishedVersion={feature?.publishedVersion ?? null}
            nextVersion={(versions[0]?.version ?? 0) + 1}
            names={names}
            saveDraft={history.dirty ? saveDraft : null}
            onClose={() => setPublishing(false)}
            onPublished={async (version) => {
              setPublishing(false);
              await server.reload();
              setMessage({ kind: 'ok', text: `Published version ${version}. It is live now.` });
            }}
          />
        ) : null}
        {help ? <ShortcutsHelp shortcuts={shortcuts} onClose={() => setHelp(false)} /> : null}
      </div>
    </CanvasViewContext.Provider>
  );
}
