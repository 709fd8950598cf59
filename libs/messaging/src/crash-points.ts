/**
 * Fault injection for the crash tests: when AAP_CRASH_AT names this point, the process dies on the
 * spot with SIGKILL (no cleanup, no flush), exactly as a power cut would. Inert otherwise.
 */
export type CrashPoint = 'outbox.before-publish' | 'outbox.after-publish' | 'consumer.before-commit';

export function crashPoint(point: CrashPoint): void {
  if (process.env.AAP_CRASH_AT === point) process.kill(process.pid, 'SIGKILL');
}
