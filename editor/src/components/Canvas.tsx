/** The React Flow canvas: node types from the registry, background, controls and a minimap that can be hidden. */
import { Background, Controls, type Edge, type EdgeChange, MiniMap, type NodeChange, ReactFlow } from '@xyflow/react';
import { useContext } from 'react';
import { NODE_REGISTRY } from '../../../engine';
import { FlowNode } from '../nodes/FlowNode';
import { CanvasViewContext } from '../store/canvas-view';
import type { FlowNode as FNode } from '../store/graph-history';

const nodeTypes = Object.fromEntries(Object.keys(NODE_REGISTRY).map((k) => [k, FlowNode]));

type Connection = { source: string | null; target: string | null; sourceHandle?: string | null };

export function Canvas(props: {
  nodes: FNode[];
  edges: Edge[];
  readOnly: boolean;
  minimap: boolean;
  onNodesChange(changes: NodeChange<FNode>[]): void;
  onEdgesChange(changes: EdgeChange[]): void;
  onConnect(c: Connection): void;
  isValidConnection(c: Connection): boolean;
  onNodeDragStart(): void;
}) {
  const store = useContext(CanvasViewContext);
  return (
    <ReactFlow
      nodes={props.nodes}
      edges={props.edges}
      nodeTypes={nodeTypes}
      onNodesChange={props.onNodesChange}
      onEdgesChange={props.onEdgesChange}
      onConnect={props.onConnect}
      isValidConnection={props.isValidConnection}
      onNodeDragStart={props.onNodeDragStart}
      deleteKeyCode={['Backspace', 'Delete']}
      multiSelectionKeyCode={['Shift', 'Meta', 'Control']}
      nodesConnectable={!props.readOnly}
      elementsSelectable
      defaultViewport={{ x: 40, y: 40, zoom: 0.9 }}
      maxZoom={2}
      minZoom={0.2}
    >
      <Background gap={20} />
      {props.minimap ? (
        <MiniMap
          pannable
          zoomable
          ariaLabel="Minimap"
          nodeColor={(n) => (store?.get().nodes[n.id]?.onPath ? '#f59e0b' : '#94a3b8')}
        />
      ) : null}
      <Controls showInteractive={false} />
    </ReactFlow>
  );
}
