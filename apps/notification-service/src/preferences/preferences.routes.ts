import { z } from 'zod';
import { organisationId as organisationIdSchema } from '@aap/contracts';
import { callerOf, policies, ROLE_SETS, type HttpServer } from '@aap/http';
import { CATEGORIES, type Category } from './categories';
import { emailChoices, replaceEmailChoices, type Preferences } from './preferences';
import type { PreferencesStore } from './preferences.store';

const emailPreferences = z.object(Object.fromEntries(CATEGORIES.map((c) => [c, z.boolean()])) as Record<Category, z.ZodBoolean>);
const preferencesView = z.object({ organisationId: z.string(), email: emailPreferences, updatedAt: z.string().optional() });
const params = z.object({ organisationId: organisationIdSchema });

const toView = (organisationId: string, preferences: Preferences | null): z.infer<typeof preferencesView> => ({
  organisationId,
  email: emailChoices(preferences),
  ...(preferences ? { updatedAt: new Date(preferences.updatedAt).toISOString() } : {}),
});

export function preferencesRoutes(http: HttpServer, store: PreferencesStore): void {
  http.get(
    '/organisations/:organisationId/preferences',
    {
      // Organisation-wide, so of no call's team (issue 16): its organisation, and admins.
      config: { access: { roles: ROLE_SETS.applicantsAndAdmins } },
      schema: {
        operationId: 'getNotificationPreferences',
        tags: ['preferences'],
        summary: 'Notification preferences of an organisation (e-mail on/off per category; on by default)',
        params,
        response: { 200: preferencesView },
      },
    },
    async (request) => {
      const { organisationId } = request.params;
      policies.ownOrganisation(callerOf(request), organisationId, `Preferences of ${organisationId}`);
      return toView(organisationId, await store.load(organisationId));
    },
  );

  http.put(
    '/organisations/:organisationId/preferences',
    {
      config: { access: { roles: ROLE_SETS.applicantsAndAdmins }, problems: [409] },
      schema: {
        operationId: 'setNotificationPreferences',
        tags: ['preferences'],
        summary: 'Replace the notification preferences of an organisation (a category left out is on)',
        description: `Categories: ${CATEGORIES.join(', ')}. The in-app inbox receives every notification whatever the preferences.`,
        params,
        body: z.object({ email: emailPreferences.partial().strict() }),
        response: { 200: preferencesView },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const { organisationId } = request.params;
      policies.ownOrganisation(caller, organisationId, `Preferences of ${organisationId}`);
      const now = new Date();
      const { after } = await store.commands.handle(organisationId, (current) => replaceEmailChoices(current, { organisationId, email: request.body.email, by: caller.userId }, now));
      return toView(organisationId, after);
    },
  );
}
