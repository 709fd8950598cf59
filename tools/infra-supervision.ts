/**
 * Kafka, PostgreSQL and FerretDB of the local infrastructure, supervised like the services: one that
 * dies (a crash, `kill -9`) is started again by local-infra (same ports, same data) after a backoff,
 * and the services, which keep retrying, come back by themselves. Used by `npm start` and by the
 * test that kills PostgreSQL under a running service (tools/postgres-down.int.test.ts).
 */
import { ferretdbBackend, isProcessRunning, localServiceProcess, upLocalService, type ServiceName } from '@aap/local-infra';
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
      let running = await pid();
      if (running === undefined) {
        await upLocalService(name, { log });
        running = await pid();
      }
      if (running === undefined) throw new Error(`${label} answers on its port but was not started by aap-infra (no pid file of ours)`);
      return watchPid(running, isProcessRunning);
    },
    log,
    backoff,
    onRestart,
    stopSignal,
    stopTimeoutMs,
  });
}

/**
 * Every part of the local infrastructure that runs as aap-infra's process (Kafka, PostgreSQL when
 * FerretDB stores into it, FerretDB), each under its supervisor; a part run by someone else is said
 * and left alone.
 */
export async function superviseLocalInfra(options: LocalServiceSupervision): Promise<Array<Supervisor<SupervisedProcess>>> {
  const names: ServiceName[] = ferretdbBackend() === 'postgresql' ? ['kafka', 'postgres', 'ferretdb'] : ['kafka', 'ferretdb'];
  const supervisors = await Promise.all(
    names.map((name) =>
      superviseLocalService(name, options).catch((error: Error) => {
        options.log(`${localServiceProcess(name).label} not supervised: ${error.message}`);
        return undefined;
      }),
    ),
  );
  return supervisors.filter((supervisor) => supervisor !== undefined);
}
