import type { CallRules } from '@aap/contracts';
import { httpClient } from '@aap/test-harness';
import type { CallView } from './call.routes';
import { passNumeriqueCallRules } from './pass-numerique';

export { passNumeriqueCallRules };

/** Creates and publishes a call through the HTTP API as a programme manager; returns the published call. */
export async function createPublishedCall(baseUrl: string, rules: CallRules = passNumeriqueCallRules()): Promise<CallView> {
  const manager = httpClient(baseUrl).as('programme-manager');
  const created = await manager.post<CallView>('/calls', rules);
  if (created.status !== 201) throw new Error(`creating the call answered ${created.status}: ${JSON.stringify(created.body)}`);
  const { callId } = created.body;
  const published = await manager.post<CallView>(`/calls/${callId}/publish`, {});
  if (published.status !== 200) throw new Error(`publishing call ${callId} answered ${published.status}: ${JSON.stringify(published.body)}`);
  return published.body;
}
