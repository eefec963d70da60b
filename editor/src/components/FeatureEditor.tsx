/**
 * The feature page: the canvas with its palette and side panels. State lives in hooks (`useFeature` for what the
 * server holds, `useGraphHistory` for the canvas, `useCanvasView` for what the canvas shows, `useShortcuts`,
 * `useClipboard`); this component wires them to the toolbar, canvas and panels.
 */
import { ReactFlowProvider, useNodesInitialized } from '@xyflow/react';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { validateGraph } from '../../../engine';
import { api, describeError, type Graph, type Problem } from '../api/client';
import { type Highlight, useCanvasView } from '../hooks/useCanvasView';
import { useClipboard } from '../hooks/useClipboard';
import { useFeature } from '../hooks/useFeature';
import { useGraphEditing } from '../hooks/useGraphEditing';
import { useReadableFit } from '../hooks/useReadableFit';
import { type Shortcut, useShortcuts } from '../hooks/useShortcuts';
import { type TestRun, useTestRun } from '../hooks/useTestRun';
import { type EditorMessage, useVersions } from '../hooks/useVersions';
import { autoLayout } from '../lib/layout';
import { displayName, searchText } from '../lib/node-names';
import { isTerminalKind } from '../nodes/roles';
import { CanvasViewContext, createCanvasViewStore } from '../store/canvas-view';
import { fromFlow, toFlow, useGraphHistory } from '../store/graph-history';
import { Canvas } from './Canvas';
import { DiffList } from './DiffList';
import { EditorToolbar } from './EditorToolbar';
import { FeatureSettings } from './FeatureSettings';
import { Inspector } from './Inspector';
import { Palette } from './Palette';
import { ProblemsPanel } from './ProblemsPanel';
import { PublishDialog } from './PublishDialog';
import { ReplayPanel } from './ReplayPanel';
import { SearchBox } from './SearchBox';
import { ShortcutsHelp } from './ShortcutsHelp';
import { can, usePrincipal } from './session';
import { TestPanel } from './TestPanel';
import { VersionsPanel } from './VersionsPanel';

export type Tab = 'node' | 'test' | 'versions' | 'replay';
type Message = EditorMessage;

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
  const principal = usePrincipal();
  const history = useGraphHistory({ nodes: [], edges: [] });
  const { graph } = history;
  const server = useFeature(featureId);
  const { feature, products, entitlements, versions } = server;
  const viewStore = useMemo(createCanvasViewStore, []);
  const [tab, setTab] = useState<Tab>('node');
  const [highlight, setHighlight] = useState<(Highlight & { from: Tab }) | null>(null);
  const [message, setMessage] = useState<Message | null>(null);
  const [publishing, setPublishing] = useState(false);
  const [search, setSearch] = useState<string | null>(null);
  const [help, setHelp] = useState(false);
  const [minimap, setMinimap] = useState(true);
  const canvasElement = useCallback(() => document.querySelector<HTMLElement>('[data-testid="canvas"]'), []);
  const base = `/features/${encodeURIComponent(featureId)}`;

  const fit = useReadableFit(canvasElement, minimap);

  // The first Fit waits until React Flow has measured every node (a fixed delay sometimes fired before that).
  const nodesMeasured = useNodesInitialized({ includeHiddenNodes: true });
  const [fitPending, setFitPending] = useState(false);
  const [fitTries, setFitTries] = useState(0);
  useEffect(() => {
    void server.reload().then((f) => {
      if (f?.draft) history.reset(toFlow(f.draft));
      setFitPending(true);
    });
  }, [server.reload, history.reset]);
  useEffect(() => {
    if (!fitPending || !nodesMeasured) return;
    const fitNow = fit;
    if (fitNow({ animate: false })) setFitPending(false);
    else if (fitTries < 20) {
      // Not measured yet after all: look again shortly (bounded).
      const retry = setTimeout(() => setFitTries((n) => n + 1), 100);
      return () => clearTimeout(retry);
    }
  }, [fitPending, nodesMeasured, fit, fitTries]);
  useEffect(() => {
    if (server.error) setMessage({ kind: 'error', text: server.error });
  }, [server.error]);
  useEffect(() => onDirtyChange(history.dirty), [history.dirty, onDirtyChange]);

  const stored = useMemo(() => fromFlow(graph), [graph]);
  const key = useMemo(() => semanticKey(stored), [stored]);
  const versionsView = useVersions({ featureId, stored, history, reload: server.reload, fit, setMessage });
  const { mode, setMode, openVersion } = versionsView;
  const [lastKey, setLastKey] = useState(key);

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
          .filter((n) => isTerminalKind(n.type))
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
    canEdit: can(principal?.role, 'editor'),
  });
  const { readOnly } = canvas;
  const selected = mode.kind === 'edit' ? (graph.nodes.find((n) => n.selected) ?? null) : null;

  const editing = useGraphEditing({
    history,
    stored,
    readOnly,
    canvasElement,
    onRefused: useCallback((text: string) => setMessage({ kind: 'error', text }), []),
    onFocusNode: useCallback(() => setTab('node'), []),
  });
  const { selectNode, updateData, addAtCentre } = editing;

  const saveDraft = useCallback(async () => {
    await api('PUT', `${base}/draft`, { graph: stored });
    history.markSaved();
    await server.reload();
  }, [base, stored, history, server.reload]);

  const test = useTestRun({
    featureId,
    canvas: stored,
    dirty: history.dirty,
    onResult: useCallback(
      (r: TestRun) => {
        setHighlight({ path: r.path, trace: r.trace, from: 'test' });
        if (r.version !== 'draft' && mode.kind === 'edit') void openVersion(r.version as number);
      },
      [mode.kind, openVersion],
    ),
  });

  // Every edit makes the last test, the highlighted path and "published" messages stale.
  if (key !== lastKey) {
    setLastKey(key);
    test.clear();
    setHighlight(null);
    if (message?.kind === 'ok') setMessage(null);
  }

  const save = useCallback(async () => {
    try {
      await saveDraft();
      setMessage({ kind: 'ok', text: 'Draft saved.' });
    } catch (e) {
      setMessage({ kind: 'error', text: describeError(e) });
    }
  }, [saveDraft]);

  const layout = async () => {
    try {
      history.place(await autoLayout(graph));
      setTimeout(fit, 120);
    } catch (e) {
      setMessage({ kind: 'error', text: `Auto-layout failed: ${describeError(e)}` });
    }
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
          <div className="canvas" data-testid="canvas" onDragOver={(e) => e.preventDefault()} onDrop={editing.onDrop}>
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
              onNodesChange={readOnly ? canvas.measure : editing.onNodesChange}
              onEdgesChange={editing.onEdgesChange}
              onConnect={editing.onConnect}
              isValidConnection={editing.isValidConnection}
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
                  input={test.input}
                  onInput={test.setInput}
                  result={test.result}
                  onRun={test.run}
                />
              ) : null}
              {tab === 'versions' ? (
                <VersionsPanel
                  versions={versions}
                  published={feature?.publishedVersion ?? null}
                  onOpen={openVersion}
                  onRollback={can(principal?.role, 'publisher') ? versionsView.rollback : null}
                  onCompare={versionsView.compare}
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
                  currentCase={can(principal?.role, 'editor') ? test.currentCase : null}
                />
              ) : null}
            </div>
            {mode.kind === 'edit' ? (
              <ProblemsPanel
                problems={problems}
                names={names}
                onSelect={selectNode}
                canPublish={can(principal?.role, 'publisher')}
              />
            ) : null}
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
