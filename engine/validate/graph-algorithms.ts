/**
 * Graph algorithms the validator needs, over plain adjacency lists: cycles (Kahn's algorithm), reachability and a
 * bounded count of start-to-end paths. All iterative (no recursion), so deep or hostile graphs cannot overflow the stack.
 */

export type Adjacency = ReadonlyMap<string, readonly string[]>;

/**
 * One cycle per strongly connected knot (the nodes on it, in order); empty when the graph is acyclic.
 * @example findCycles(['a', 'b'], new Map([['a', ['b']], ['b', ['a']]])) // [['a', 'b']]
 */
export function findCycles(nodes: Iterable<string>, adjacency: Adjacency): string[][] {
  const indegree = new Map<string, number>();
  for (const id of nodes) indegree.set(id, 0);
  for (const targets of adjacency.values()) for (const t of targets) indegree.set(t, (indegree.get(t) ?? 0) + 1);
  const queue: string[] = [];
  for (const [id, d] of indegree) if (d === 0) queue.push(id);
  for (let i = 0; i < queue.length; i++) {
    for (const t of adjacency.get(queue[i] as string) ?? []) {
      const d = (indegree.get(t) ?? 0) - 1;
      indegree.set(t, d);
      if (d === 0) queue.push(t);
    }
  }
  if (queue.length === indegree.size) return [];
  // Every node left has a predecessor that is left too (the others were removed), so walking predecessors among
  // them always goes on until a node repeats: that is a cycle. (Successors may lead out of the knot to a node that
  // is left only because it hangs below one.)
  const left = new Set<string>();
  for (const [id, d] of indegree) if (d > 0) left.add(id);
  const predecessors = new Map<string, string[]>();
  for (const [source, targets] of adjacency) {
    if (!left.has(source)) continue;
    for (const t of targets) {
      if (!left.has(t)) continue;
      const list = predecessors.get(t);
      if (list) list.push(source);
      else predecessors.set(t, [source]);
    }
  }
  const cycles: string[][] = [];
  const reported = new Set<string>();
  for (const startNode of left) {
    if (reported.has(startNode)) continue;
    const order = new Map<string, number>();
    const walk: string[] = [];
    let cur: string | undefined = startNode;
    while (cur !== undefined && !order.has(cur) && !reported.has(cur)) {
      order.set(cur, walk.length);
      walk.push(cur);
      cur = predecessors.get(cur)?.[0];
    }
    if (cur !== undefined && order.has(cur)) {
      const cycle = walk.slice(order.get(cur)).reverse();
      for (const id of cycle) reported.add(id);
      cycles.push(cycle);
    }
    for (const id of walk) reported.add(id);
  }
  return cycles;
}

/** Every node reachable from `start` (itself included), breadth first. */
export function reachableFrom(start: string, adjacency: Adjacency): Set<string> {
  const reached = new Set([start]);
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    for (const target of adjacency.get(queue[i] as string) ?? []) {
      if (!reached.has(target)) {
        reached.add(target);
        queue.push(target);
      }
    }
  }
  return reached;
}

/** True when `to` can be reached from `from`. */
export function reaches(from: string, to: string, adjacency: Adjacency): boolean {
  return reachableFrom(from, adjacency).has(to);
}

/**
 * Number of start-to-end paths of an acyclic graph, capped at `cap`. A node ends a path once per branch it leaves
 * unconnected (`branchCount` minus its edges), or once when it has no branch (a terminal node).
 */
export function countPaths(
  start: string,
  next: ReadonlyMap<string, ReadonlyMap<string, string>>,
  branchCount: (id: string) => number | undefined,
  cap: number,
): number {
  const memo = new Map<string, number>();
  // Iterative post-order DFS.
  const stack: Array<{ id: string; expanded: boolean }> = [{ id: start, expanded: false }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as { id: string; expanded: boolean };
    if (memo.has(top.id)) {
      stack.pop();
      continue;
    }
    const branches = branchCount(top.id);
    const targets = branches !== undefined ? [...(next.get(top.id)?.values() ?? [])] : [];
    if (!top.expanded) {
      top.expanded = true;
      for (const t of targets) if (!memo.has(t)) stack.push({ id: t, expanded: false });
      continue;
    }
    stack.pop();
    let total = 0;
    for (const t of targets) total = Math.min(cap, total + (memo.get(t) ?? 0));
    // a dead end (unconnected branch or terminal) counts as one path end
    if (targets.length < Math.max(1, branches ?? 0)) total = Math.min(cap, total + 1);
    memo.set(top.id, total);
  }
  return memo.get(start) ?? 0;
}
