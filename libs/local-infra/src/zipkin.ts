/**
 * The trace viewer of `npm start`: Zipkin's server (web UI + span collector, in-memory storage).
 * Its executable jar is resolved by Maven from infra/zipkin/pom.xml, once per version, into
 * ~/.cache/aap-infra/zipkin-<version>/ (like Kafka), and run with java on 127.0.0.1:9411.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheRoot, REPO_ROOT, runHome } from './paths';
import { isPortOpen, waitFor } from './processes';
import { requireJava, requireMaven, run } from './toolchain';
import { buildAtomically } from './provision';

export const ZIPKIN_POM = join(REPO_ROOT, 'infra/zipkin/pom.xml');

/** The version has one source of truth: the `<zipkin.version>` property of infra/zipkin/pom.xml. */
export const ZIPKIN_VERSION: string = (() => {
  const version = /<zipkin\.version>\s*([^<\s]+)\s*<\/zipkin\.version>/.exec(readFileSync(ZIPKIN_POM, 'utf8'))?.[1];
  if (!version) throw new Error(`No <zipkin.version> property in ${ZIPKIN_POM}`);
  return version;
})();

export const zipkinPort = (): number => Number(process.env.ZIPKIN_PORT ?? 9411);
export const zipkinSpansEndpoint = (): string => `http://127.0.0.1:${zipkinPort()}/api/v2/spans`;
export const zipkinUiUrl = (): string => `http://localhost:${zipkinPort()}/zipkin/`;
export const zipkinLogFile = (): string => join(runHome(), 'zipkin', 'zipkin.log');

const zipkinDir = (): string => join(cacheRoot(), `zipkin-${ZIPKIN_VERSION}`);
const zipkinJar = (): string => join(zipkinDir(), `zipkin-server-${ZIPKIN_VERSION}-exec.jar`);

/** Resolves the jar from Maven Central into the cache; no-op when cached. */
export async function provisionZipkin(log: (line: string) => void): Promise<string> {
  const jar = zipkinJar();
  if (await exists(jar)) return jar;
  const mvn = requireMaven();
  log(`Zipkin ${ZIPKIN_VERSION}: resolving its server jar with Maven into ${zipkinDir()} (once per version)`);
  await buildAtomically(zipkinDir(), async (staging) => {
    await run(mvn, ['-q', '-B', '-f', ZIPKIN_POM, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${staging}`, `-Dzipkin.version=${ZIPKIN_VERSION}`]);
    await access(join(staging, `zipkin-server-${ZIPKIN_VERSION}-exec.jar`)); // fail here, not at first start
  });
  return jar;
}

/** Whether a Zipkin server answers on the port right now. */
export async function zipkinAnswers(): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${zipkinPort()}/health`, { signal: AbortSignal.timeout(1_000) });
    return response.ok && JSON.stringify(await response.json()).includes('zipkin');
  } catch {
    return false;
  }
}

/** Why the viewer cannot be started here (port taken by something else), or undefined. */
export async function zipkinPortConflict(): Promise<string | undefined> {
  if (!(await isPortOpen(zipkinPort()))) return undefined;
  return `port ${zipkinPort()} is taken by something that is not Zipkin: free it or set ZIPKIN_PORT`;
}

/**
 * Starts one Zipkin process (a child of the caller, output to zipkinLogFile()): loopback only,
 * in-memory storage bounded to 50 000 spans, a small heap.
 */
export async function spawnZipkin(jar: string): Promise<ChildProcess> {
  const java = requireJava();
  await mkdir(join(runHome(), 'zipkin'), { recursive: true });
  const logFd = openSync(zipkinLogFile(), 'w');
  try {
    const port = zipkinPort();
    return spawn(
      java,
      [
        '-Xms64m', '-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1',
        '-jar', jar,
        // Armeria's port list replaces Zipkin's default one (0.0.0.0:9411): loopback only.
        `--armeria.ports[0].ip=127.0.0.1`, `--armeria.ports[0].port=${port}`, '--armeria.ports[0].protocols=http',
      ],
      {
        env: { ...process.env, STORAGE_TYPE: 'mem', MEM_MAX_SPANS: '50000', SELF_TRACING_ENABLED: 'false' },
        // Own process group: a Ctrl-C in the terminal reaches `npm start` only, which stops it in order.
        detached: true,
        stdio: ['ignore', logFd, logFd],
      },
    );
  } finally {
    closeSync(logFd); // the child has its own copy of the descriptor
  }
}

export async function waitForZipkin(timeoutMs = 60_000): Promise<boolean> {
  return waitFor(zipkinAnswers, { timeoutMs, intervalMs: 500 });
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
