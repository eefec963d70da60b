/** Where a new node may go: the wanted point if no node is there, else the nearest free spot around it. */

interface Box {
  position: { x: number; y: number };
  measured?: { width?: number; height?: number };
}

const W = 220;
const H = 90;
const GAP = 24;

function overlaps(x: number, y: number, nodes: readonly Box[]): boolean {
  return nodes.some((n) => {
    const w = n.measured?.width ?? W;
    const h = n.measured?.height ?? H;
    return (
      x < n.position.x + w + GAP &&
      x + W + GAP > n.position.x &&
      y < n.position.y + h + GAP &&
      y + H + GAP > n.position.y
    );
  });
}

/** Searches rings of growing radius around `wanted` (right, down, left, up first) for a spot that overlaps nothing. */
export function freePosition(wanted: { x: number; y: number }, nodes: readonly Box[]): { x: number; y: number } {
  if (!overlaps(wanted.x, wanted.y, nodes)) return wanted;
  const stepX = W + GAP;
  const stepY = H + GAP;
  for (let r = 1; r < 40; r++) {
    for (let dy = -r; dy <= r; dy++)
      for (let dx = -r; dx <= r; dx++) {
        if (Math.max(Math.abs(dx), Math.abs(dy)) !== r) continue;
        const x = wanted.x + dx * stepX;
        const y = wanted.y + dy * stepY;
        if (!overlaps(x, y, nodes)) return { x, y };
      }
  }
  return { x: wanted.x, y: wanted.y + nodes.length * stepY };
}
