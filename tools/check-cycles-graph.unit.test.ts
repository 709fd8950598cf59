import { describe, expect, it } from 'vitest';
import { findCycles, folderOf, graphOf, reachableFrom } from './check-cycles-graph';

const graph = (edges: string) => graphOf(edges.split(' ').map((edge) => edge.split('>') as [string, string]), () => true);

describe('import cycles', () => {
  it('given a graph without a loop (a node importing itself aside), when searched, then no cycle', () => {
    expect(findCycles(graph('a>b b>c a>c c>c'))).toEqual([]);
  });

  it('given two loops, when searched, then each is found with its members and a closed path', () => {
    expect(findCycles(graph('a>b b>a c>d d>e e>c x>a'))).toEqual([
      { members: ['a', 'b'], loop: ['a', 'b', 'a'] },
      { members: ['c', 'd', 'e'], loop: ['c', 'd', 'e', 'c'] },
    ]);
  });

  it('given a tangle of two loops through one node, when searched, then one cycle with all members and the shortest loop', () => {
    expect(findCycles(graph('a>b b>c c>a a>d d>a'))).toEqual([{ members: ['a', 'b', 'c', 'd'], loop: ['a', 'd', 'a'] }]);
  });

  it('given entry points, when following imports, then what they reach, themselves included', () => {
    expect([...reachableFrom(graph('m>a a>b c>a'), ['m'])].sort()).toEqual(['a', 'b', 'm']);
  });

  it('given files, when taken by folder, then a slice or a library stands for its files, anything else for itself', () => {
    expect(folderOf('apps/evaluation-service/src/reviews/review.routes.ts')).toBe('apps/evaluation-service/src/reviews');
    expect(folderOf('apps/evaluation-service/src/committee/budget/x.ts')).toBe('apps/evaluation-service/src/committee');
    expect(folderOf('apps/evaluation-service/src/service.ts')).toBe('apps/evaluation-service/src/service.ts');
    expect(folderOf('libs/http/src/auth.ts')).toBe('libs/http');
    expect(folderOf('tools/start.ts')).toBe('tools/start.ts');
  });
});
