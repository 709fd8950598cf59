import type { CallRules, CallTeam } from '@aap/contracts';
import { httpClient } from '@aap/test-harness';
import type { CallView } from './call.routes';
import { passNumeriqueCallRules } from './pass-numerique';

export { passNumeriqueCallRules };

/**
 * The team a test call gets besides its creator (`test-programme-manager`): the subs the test
 * harness gives tokens of these roles by default (`test-<roles joined by ->`), so a test acting as
 * `committee` or `finance` acts on its own call. Tests of another call's team use other subs.
 */
export const TEST_TEAM: Omit<CallTeam, 'programme-manager'> = {
  committee: ['test-committee', 'test-committee-reviewer'],
  finance: ['test-finance'],
};

/**
 * Creates and publishes a call through the HTTP API as a programme manager (the first of its team),
 * puts `team` on it, and returns the published call.
 */
export async function createPublishedCall(baseUrl: string, rules: CallRules = passNumeriqueCallRules(), team: Partial<CallTeam> = TEST_TEAM): Promise<CallView> {
  const manager = httpClient(baseUrl).as('programme-manager');
  const created = await manager.post<CallView>('/calls', rules);
  if (created.status !== 201) throw new Error(`creating the call answered ${created.status}: ${JSON.stringify(created.body)}`);
  const { callId } = created.body;
  for (const [role, members] of Object.entries(team)) {
    for (const member of members) {
      const added = await manager.put(`/calls/${callId}/team/${role}/${encodeURIComponent(member)}`);
      if (added.status !== 200) throw new Error(`adding ${member} to the team of call ${callId} answered ${added.status}: ${JSON.stringify(added.body)}`);
    }
  }
  const published = await manager.post<CallView>(`/calls/${callId}/publish`, {});
  if (published.status !== 200) throw new Error(`publishing call ${callId} answered ${published.status}: ${JSON.stringify(published.body)}`);
  return published.body;
}
