import type { CallRules } from '@aap/contracts';
import { authHeaders } from '@aap/test-harness';
import type { CallView } from './call.routes';
import { passNumeriqueCallRules } from './pass-numerique';

export { passNumeriqueCallRules };

/** Creates and publishes a call through the HTTP API as a programme manager; returns the published call. */
export async function createPublishedCall(baseUrl: string, rules: CallRules = passNumeriqueCallRules()): Promise<CallView> {
  const headers = await authHeaders({ roles: ['programme-manager'] });
  const created = await fetch(`${baseUrl}/calls`, { method: 'POST', headers, body: JSON.stringify(rules) });
  if (created.status !== 201) throw new Error(`creating the call answered ${created.status}: ${await created.text()}`);
  const { callId } = (await created.json()) as CallView;
  const published = await fetch(`${baseUrl}/calls/${callId}/publish`, { method: 'POST', headers, body: '{}' });
  if (published.status !== 200) throw new Error(`publishing call ${callId} answered ${published.status}: ${await published.text()}`);
  return (await published.json()) as CallView;
}
