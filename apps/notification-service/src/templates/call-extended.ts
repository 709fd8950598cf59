import type { CallExtended, EventData } from '@aap/contracts';
import { formatDateTime } from './format';
import { defineTemplate } from './template';

/** The closing time of a call was moved later. */
export default defineTemplate<EventData<typeof CallExtended>>({
  subject: (m) => `Prolongation de l'appel à projets « ${m.data.call.title} »`,
  body: (m) => ({
    paragraphs: [`La date de clôture de l'appel à projets « ${m.data.call.title} » a été repoussée.`],
    details: [
      ['Nouvelle clôture', formatDateTime(m.data.call.closesAt)],
      ['Clôture précédente', formatDateTime(m.data.previousClosesAt)],
      ['Motif', m.data.reason],
    ],
  }),
});
