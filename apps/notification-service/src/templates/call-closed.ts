import type { CallClosed, EventData } from '@aap/contracts';
import { formatDateTime } from './format';
import { defineTemplate } from './template';

/** A call closed: to the organisations with a draft or an active dossier on it. */
export default defineTemplate<EventData<typeof CallClosed>>({
  subject: (m) => `Clôture de l'appel à projets « ${m.data.call.title} »`,
  body: (m) => ({
    paragraphs: [
      `L'appel à projets « ${m.data.call.title} » est clos : aucun nouveau dossier ne peut être déposé.`,
      m.dossiers.some((d) => !d.number)
        ? "Un brouillon non déposé à la clôture ne sera pas examiné. Les dossiers déposés poursuivent leur instruction."
        : 'Les dossiers déposés poursuivent leur instruction.',
    ],
    details: [['Clos le', formatDateTime(m.data.call.closedAt ?? m.occurredAt)]],
  }),
});
