/**
 * `npm run check:cycles`: fails on any import cycle between the project's files, and between slice
 * folders (apps/<service>/src/<slice>/, all its files taken as one) or libraries (libs/<name>/) in the
 * code the services run.
 * dependency-cruiser reads the imports (type-only ones too: they tie the code together as much) and
 * resolves them as TypeScript and the workspaces do; the cycles are the strongly connected parts of
 * the graph, each printed as one closed path.
 */
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import { findCycles, folderOf, graphOf, reachableFrom, type Cycle, type Graph } from './check-cycles-graph';

const roots = ['apps', 'libs', 'tools'];

const result = await cruise(roots, {
  tsConfig: { fileName: 'tsconfig.json' },
  tsPreCompilationDeps: true,
  doNotFollow: { path: 'node_modules' },
  exclude: { path: 'node_modules' },
  enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'default'], extensions: ['.ts', '.js', '.json'] },
});
const modules = (result.output as ICruiseResult).modules;

const files: Graph = graphOf(
  modules.flatMap((module) => module.dependencies.map((dependency) => [module.source, dependency.resolved] as const)),
  (path) => roots.some((root) => path.startsWith(`${root}/`)),
);
// Folders are compared on the code the services run (what their main.ts reaches): a test, a fixture or
// the test harness may drive a whole service from inside a slice without tying the slices together.
const running = reachableFrom(files, [...files.keys()].filter((path) => /^apps\/[^/]+\/src\/main\.ts$/.test(path)));
const folders: Graph = new Map();
for (const [from, targets] of files) {
  if (!running.has(from)) continue;
  const source = folderOf(from);
  for (const to of targets) {
    if (!running.has(to)) continue;
    const target = folderOf(to);
    if (source !== target) folders.set(source, (folders.get(source) ?? new Set()).add(target));
  }
}

const describe = (kind: string, cycle: Cycle) =>
  `${kind} cycle: ${cycle.loop.join(' → ')}` +
  (cycle.members.length > cycle.loop.length - 1 ? `\n  (one of the loops among ${cycle.members.length}: ${cycle.members.join(', ')})` : '');
const report = [...findCycles(files).map((cycle) => describe('file', cycle)), ...findCycles(folders).map((cycle) => describe('folder', cycle))];
if (report.length > 0) {
  console.error(`${report.length} import cycle(s):\n${report.join('\n')}`);
  process.exit(1);
}
console.log(`no import cycle among ${files.size} files, nor among the slices and libraries of the ${running.size} files the services run`);
