import { Schema, type Model } from 'mongoose';
import { z } from 'zod';
import { organisationId as organisationIdSchema } from '@aap/contracts';
import { callerOf, policies, ROLE_SETS } from '@aap/http';
import type { ServiceContext } from '@aap/service-runtime';
import { CATEGORIES, type Category } from '../notifications/categories';

/**
 * Per-organisation preferences: e-mail on or off per category (default on). The in-app inbox always
 * receives every notification: turning e-mails off never hides what the organisation was told.
 */
interface PreferencesDocument {
  _id: string;
  email: Partial<Record<Category, boolean>>;
  updatedAt: Date;
  updatedBy: string;
}

const emailPreferences = z.object(Object.fromEntries(CATEGORIES.map((c) => [c, z.boolean()])) as Record<Category, z.ZodBoolean>);
const preferencesView = z.object({ organisationId: z.string(), email: emailPreferences, updatedAt: z.string().optional() });
const params = z.object({ organisationId: organisationIdSchema });

export class Preferences {
  constructor(private readonly model: Model<PreferencesDocument>) {}

  async emailEnabled(organisationId: string, category: Category): Promise<boolean> {
    const preferences = await this.model.findById(organisationId).lean<PreferencesDocument>();
    return preferences?.email?.[category] !== false;
  }

  async of(organisationId: string) {
    const stored = await this.model.findById(organisationId).lean<PreferencesDocument>();
    return {
      organisationId,
      email: Object.fromEntries(CATEGORIES.map((c) => [c, stored?.email?.[c] !== false])) as Record<Category, boolean>,
      ...(stored ? { updatedAt: new Date(stored.updatedAt).toISOString() } : {}),
    };
  }
}

export function registerPreferences(context: ServiceContext): Preferences {
  const model = context.db.model<PreferencesDocument>(
    'NotificationPreferences',
    new Schema<PreferencesDocument>({ _id: String, email: Schema.Types.Mixed, updatedAt: Date, updatedBy: String }, { collection: 'notification_preferences', versionKey: false }),
  );
  const preferences = new Preferences(model);

  context.http.get(
    '/organisations/:organisationId/preferences',
    {
      config: { access: { roles: ROLE_SETS.applicantsAndManagers } },
      schema: {
        tags: ['preferences'],
        summary: 'Notification preferences of an organisation (e-mail on/off per category; on by default)',
        params,
        response: { 200: preferencesView },
      },
    },
    async (request) => {
      policies.ownOrganisation(callerOf(request), request.params.organisationId, `Preferences of ${request.params.organisationId}`);
      return preferences.of(request.params.organisationId);
    },
  );

  context.http.put(
    '/organisations/:organisationId/preferences',
    {
      config: { access: { roles: ROLE_SETS.applicantsAndAdmins } },
      schema: {
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
      await model.updateOne(
        { _id: organisationId },
        { $set: { email: request.body.email, updatedAt: new Date(), updatedBy: caller.userId } },
        { upsert: true },
      );
      return preferences.of(organisationId);
    },
  );

  return preferences;
}
