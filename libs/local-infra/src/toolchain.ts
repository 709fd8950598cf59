import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

// Each check is only called by the step that needs the tool: with a warm cache, starting the
// infrastructure needs nothing but Java; Maven and Go are only needed to provision.

/** Java runs Kafka (the broker requires 17+). JAVA_HOME wins over PATH, like Kafka's own scripts. */
export function requireJava(): string {
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const output = versionOutput(java, ['-version']);
  const match = output && /version "(\d+)(?:\.(\d+))?/.exec(output);
  // Before Java 9 the version string was "1.<major>".
  const major = match ? Number(match[1] === '1' ? match[2] : match[1]) : undefined;
  const install = 'install a Java 17+ runtime (e.g. `apt install openjdk-17-jre-headless`, `brew install openjdk@17`)';
  if (major === undefined) throw new Error(`Java not found (${java}): ${install} to run Kafka`);
  if (major < 17) throw new Error(`Java ${major} found (${java}), Kafka needs 17+: ${install}`);
  return java;
}

/** Maven only resolves the Kafka jars from Maven Central, once per Kafka version. */
export function requireMaven(): string {
  if (versionOutput('mvn', ['-v']) === undefined) {
    throw new Error('Maven (mvn) not found: install Maven 3.6+ (e.g. `apt install maven`, `brew install maven`) to provision Kafka (needed once)');
  }
  return 'mvn';
}

/** Go only builds FerretDB, once. Its go.mod declares `go 1.24` and we forbid toolchain downloads. */
export function requireGo(): string {
  const match = /go(\d+)\.(\d+)/.exec(versionOutput('go', ['version']) ?? '');
  const install = 'install Go 1.24+ (https://go.dev/dl/) to build FerretDB (needed once)';
  if (!match) throw new Error(`Go not found: ${install}`);
  const [major, minor] = [Number(match[1]), Number(match[2])];
  if (major < 1 || (major === 1 && minor < 24)) throw new Error(`Go ${major}.${minor} found: ${install}`);
  return 'go';
}

function versionOutput(command: string, args: string[]): string | undefined {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return result.error || result.status !== 0 ? undefined : `${result.stdout}${result.stderr}`;
}

/** Runs a command to completion without a shell; on failure the error carries the tail of its output. */
export function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; uid?: number; gid?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) return resolve(output);
      const tail = output.trimEnd().split('\n').slice(-30).join('\n');
      reject(new Error(`\`${command} ${args.join(' ')}\` failed (exit ${code})${tail ? `:\n${tail}` : ''}`));
    });
  });
}
