/** Fresh node ids: `<kind>-<n>` with the smallest unused n. */
export function nextNodeId(kind: string, nodes: readonly { id: string }[]): string {
  let i = 1;
  const ids = new Set(nodes.map((n) => n.id));
  while (ids.has(`${kind}-${i}`)) i++;
  return `${kind}-${i}`;
}
