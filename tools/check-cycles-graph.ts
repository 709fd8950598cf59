/** Import graphs and their cycles, for tools/check-cycles.ts. */

export type Graph = Map<string, Set<string>>;

/** The graph of the edges whose two ends are kept. */
export function graphOf(edges: Iterable<readonly [string, string]>, keep: (node: string) => boolean): Graph {
  const graph: Graph = new Map();
  for (const [from, to] of edges) {
    if (!keep(from) || !keep(to)) continue;
    graph.set(from, (graph.get(from) ?? new Set()).add(to));
    if (!graph.has(to)) graph.set(to, new Set());
  }
  return graph;
}

/**
 * What a file belongs to when folders are compared: its slice (apps/<service>/src/<slice>), its library
 * (libs/<name>), or, for a file outside both (a service's main.ts, a tool), the file itself.
 */
export function folderOf(path: string): string {
  return /^apps\/[^/]+\/src\/[^/]+(?=\/)/.exec(path)?.[0] ?? /^libs\/[^/]+(?=\/)/.exec(path)?.[0] ?? path;
}

export interface Cycle {
  /** Every node of the tangle: each reaches every other one. */
  members: string[];
  /** One closed path through the first member, the shortest, e.g. [a, b, a]. */
  loop: string[];
}

/**
 * The cycles of the graph: its strongly connected components of more than one node (Tarjan), each
 * with one closed path to show. A node importing itself is not a cycle.
 */
export function findCycles(graph: Graph): Cycle[] {
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    lowLink.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        lowLink.set(node, Math.min(lowLink.get(node)!, lowLink.get(next)!));
      } else if (onStack.has(next)) lowLink.set(node, Math.min(lowLink.get(node)!, index.get(next)!));
    }
    if (lowLink.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return components
    .map((members) => ({ members, loop: shortestLoop(graph, members[0]!, new Set(members)) }))
    .sort((a, b) => a.members[0]!.localeCompare(b.members[0]!));
}

/** The shortest path from `start` back to itself inside `within` (breadth first). */
function shortestLoop(graph: Graph, start: string, within: Set<string>): string[] {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const next of [...(graph.get(node) ?? [])].sort()) {
      if (!within.has(next)) continue;
      if (next === start) {
        const path = [node];
        while (path[0] !== start) path.unshift(cameFrom.get(path[0]!)!);
        return [...path, start];
      }
      if (!cameFrom.has(next)) {
        cameFrom.set(next, node);
        queue.push(next);
      }
    }
  }
  return [start, start];
}

/** The nodes reached from `starts`, the starts included. */
export function reachableFrom(graph: Graph, starts: string[]): Set<string> {
  const reached = new Set(starts);
  const queue = [...starts];
  while (queue.length > 0) for (const next of graph.get(queue.shift()!) ?? []) if (!reached.has(next)) queue.push(next), reached.add(next);
  return reached;
}
