/**
 * Fit that stays readable: shows the whole rule when it fits at a zoom where node titles are at least 10 px;
 * otherwise stops at that zoom and shows the top of the rule (the start), centred on it. The minimap is measured and
 * kept clear: the rule is centred on the whole canvas when that leaves the minimap free, else fitted beside or above
 * it, whichever shows the rule larger (so no band of the canvas is wasted beside a small minimap).
 */
import { useReactFlow } from '@xyflow/react';
import { useCallback } from 'react';
import { isEntryKind } from '../nodes/roles';

/** Node titles are 13 px at zoom 1 (styles.css `.cf-node-title`). */
export const TITLE_PX = 13;
export const MIN_READABLE_PX = 10;
export const MIN_READABLE_ZOOM = MIN_READABLE_PX / TITLE_PX;
const PAD = 30;

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

const overlaps = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

export function useReadableFit(canvas: () => HTMLElement | null, minimap: boolean) {
  const flow = useReactFlow();
  return useCallback(
    /** Returns false (and does nothing) while the canvas or any node has not been measured yet. */
    (options?: { animate?: boolean }): boolean => {
      const el = canvas();
      const nodes = flow.getNodes();
      if (!el || nodes.length === 0) return false;
      if (nodes.some((n) => !flow.getInternalNode(n.id)?.measured.width)) return false;
      const duration = options?.animate === false ? 0 : 200;
      const frame = el.getBoundingClientRect();
      const { width: W, height: H } = frame;
      const b = flow.getNodesBounds(nodes);
      const mapEl = minimap ? el.querySelector('.react-flow__minimap') : null;
      const m = mapEl?.getBoundingClientRect();
      // Before the minimap has rendered (the first Fit), its default place: 200 x 150 px, 15 px from the corner.
      const map: Box | null =
        m?.width && m.height
          ? { x: m.left - frame.left, y: m.top - frame.top, w: m.width, h: m.height }
          : minimap
            ? { x: W - 215, y: H - 165, w: 200, h: 150 }
            : null;
      const zoomIn = (r: Box) =>
        Math.min((r.w - 2 * PAD) / Math.max(b.width, 1), (r.h - 2 * PAD) / Math.max(b.height, 1), 1);
      const placed = (r: Box, zoom: number) => ({
        x: r.x + PAD + (r.w - 2 * PAD - b.width * zoom) / 2 - b.x * zoom,
        y: r.y + PAD + (r.h - 2 * PAD - b.height * zoom) / 2 - b.y * zoom,
        zoom,
      });
      const whole: Box = { x: 0, y: 0, w: W, h: H };
      // Regions clear of the minimap: above it and to its left (the whole canvas when it is hidden).
      const regions: Box[] = map
        ? [
            { x: 0, y: 0, w: W, h: map.y },
            { x: 0, y: 0, w: map.x, h: H },
          ]
        : [whole];
      const best = regions.reduce((a, r) => (zoomIn(r) > zoomIn(a) ? r : a));
      const drawn = (v: { x: number; y: number; zoom: number }): Box => ({
        x: v.x + b.x * v.zoom,
        y: v.y + b.y * v.zoom,
        w: b.width * v.zoom,
        h: b.height * v.zoom,
      });
      // Centred on the whole canvas when the rule then stays clear of the minimap; else in the clear region.
      const centred = placed(whole, zoomIn(whole));
      const view = map && overlaps(drawn(centred), map) ? placed(best, zoomIn(best)) : centred;
      if (view.zoom >= MIN_READABLE_ZOOM) {
        void flow.setViewport(view, { duration });
        return true;
      }
      const z = MIN_READABLE_ZOOM;
      const start =
        nodes.find((n) => isEntryKind(n.type)) ?? nodes.reduce((a, n) => (n.position.y < a.position.y ? n : a));
      const sw = start.measured?.width ?? 200;
      const x = W / 2 - (start.position.x + sw / 2) * z;
      const y = PAD - b.y * z;
      void flow.setViewport({ x, y, zoom: z }, { duration });
      return true;
    },
    [flow, canvas, minimap],
  );
}
