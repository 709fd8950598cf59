import type { CallReopened, EventData } from '@aap/contracts';
import { formatDateTime } from './format';
import { defineTemplate } from './template';

/** A closed call was published again with a new closing time. */
export default defineTemplate<EventData<typeof CallReopened>>({
  subject: (m) => `Réouverture de l'appel à projets « ${m.data.call.title} »`,
  body: (m) => ({
    paragraphs: [`L'appel à projets « ${m.data.call.title} » est de nouveau ouvert aux dépôts.`],
    details: [
      ['Nouvelle clôture', formatDateTime(m.data.call.closesAt)],
      ['Motif', m.data.reason],
    ],
  }),
});
