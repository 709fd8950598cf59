/**
 * Kafka, PostgreSQL and FerretDB of the local infrastructure, supervised like the services: one that
 * dies (a crash, `kill -9`) is started again by local-infra (same ports, same data) after a backoff,
 * and the services, which keep retrying, come back by themselves. Used by `npm start` and by the
 * test that kills PostgreSQL under a running service (tools/postgres-down.int.test.ts).
 */
import { isProcessRunning, localServiceProcess, upLocalService, type ServiceName } from '@aap/local-infra';
import { supervise, watchPid, type BackoffPolicy, type SupervisedProcess, type Supervisor } from './supervisor';

export interface LocalServiceSupervision {
  log: (line: string) => void;
  backoff?: Partial<BackoffPolicy>;
  onRestart?: (instance: SupervisedProcess) => void;
}

/**
 * Supervises one service of the local infrastructure, started by aap-infra (a pid file of ours): it is
 * started first if it is not running. Rejects when something else answers on its port (not ours to restart).
 */
export function superviseLocalService(name: ServiceName, { log, backoff, onRestart }: LocalServiceSupervision): Promise<Supervisor<SupervisedProcess>> {
  const { label, pid, stopSignal, stopTimeoutMs } = localServiceProcess(name);
  return supervise<SupervisedProcess>({
    name: label,
    start: async () => {
      await upLocalService(name, { log });
      const running = await pid();
      if (running === undefined) throw new Error(`${label} answers but was not started by aap-infra (no pid file of ours): not supervised`);
      return watchPid(running, isProcessRunning);
    },
    log,
    backoff,
    onRestart,
    stopSignal,
    stopTimeoutMs,
  });
}
