import { accepted, type Decision, type Versioned } from '@aap/contracts';
import { CATEGORIES, type Category } from './categories';

/**
 * An organisation's notification preferences: e-mail on or off per category (default on). The in-app
 * inbox always receives every notification: turning e-mails off never hides what the organisation was told.
 */
export interface Preferences extends Versioned {
  organisationId: string;
  /** Only the categories the organisation chose; a category left out is on. */
  email: Partial<Record<Category, boolean>>;
  updatedAt: Date;
  updatedBy: string;
}

/** Replaces the e-mail choices (a category left out is on again). */
export function replaceEmailChoices(current: Preferences | null, command: { organisationId: string; email: Partial<Record<Category, boolean>>; by: string }, now: Date): Decision<Preferences> {
  return accepted({ organisationId: command.organisationId, email: command.email, updatedAt: now, updatedBy: command.by, version: current?.version ?? 0 });
}

/** Whether the organisation gets e-mails of this category (on unless turned off). */
export const emailEnabled = (preferences: Preferences | null, category: Category): boolean => preferences?.email?.[category] !== false;

/** Every category with its effective choice. */
export const emailChoices = (preferences: Preferences | null): Record<Category, boolean> =>
  Object.fromEntries(CATEGORIES.map((category) => [category, emailEnabled(preferences, category)])) as Record<Category, boolean>;
