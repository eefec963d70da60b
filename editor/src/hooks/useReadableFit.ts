/**
 * Fit that stays readable: shows the whole rule when it fits at a zoom where node titles are at least 10 px;
 * otherwise stops at that zoom and shows the top of the rule (the start), centred on it. Leaves room for the minimap.
 */
import { useReactFlow } from '@xyflow/react';
import { useCallback } from 'react';
import { isEntryKind } from '../nodes/roles';

/** Node titles are 13 px at zoom 1 (styles.css `.cf-node-title`). */
export const TITLE_PX = 13;
export const MIN_READABLE_PX = 10;
export const MIN_READABLE_ZOOM = MIN_READABLE_PX / TITLE_PX;
const PAD = 30;
const MINIMAP_HEIGHT = 160;

export function useReadableFit(canvas: () => HTMLElement | null, minimap: boolean) {
  const flow = useReactFlow();
  return useCallback(() => {
    const el = canvas();
    const nodes = flow.getNodes();
    if (!el || nodes.length === 0) return;
    const { width: W, height: H } = el.getBoundingClientRect();
    const b = flow.getNodesBounds(nodes);
    const availW = W - 2 * PAD;
    const availH = H - 2 * PAD - (minimap ? MINIMAP_HEIGHT : 0);
    const zoom = Math.min(availW / Math.max(b.width, 1), availH / Math.max(b.height, 1), 1);
    if (zoom >= MIN_READABLE_ZOOM) {
      const x = PAD + (availW - b.width * zoom) / 2 - b.x * zoom;
      const y = PAD + (availH - b.height * zoom) / 2 - b.y * zoom;
      void flow.setViewport({ x, y, zoom }, { duration: 200 });
      return;
    }
    const z = MIN_READABLE_ZOOM;
    const start =
      nodes.find((n) => isEntryKind(n.type)) ?? nodes.reduce((a, n) => (n.position.y < a.position.y ? n : a));
    const sw = start.measured?.width ?? 200;
    const x = W / 2 - (start.position.x + sw / 2) * z;
    const y = PAD - b.y * z;
    void flow.setViewport({ x, y, zoom: z }, { duration: 200 });
  }, [flow, canvas, minimap]);
}
