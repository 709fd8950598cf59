import type { DossierDraftClosingSoon, EventData } from '@aap/contracts';
import { formatDateTime } from './format';
import { callLabel, defineTemplate, dossierLabel } from './template';

/** Reminder: a draft is still not submitted a few days before its wave closes. */
export default defineTemplate<EventData<typeof DossierDraftClosingSoon>>({
  subject: (m) =>
    `Rappel : plus que ${m.data.daysLeft} jour${m.data.daysLeft > 1 ? 's' : ''} pour déposer votre dossier « ${m.data.title} »`,
  body: (m) => ({
    paragraphs: [
      `Votre dossier ${dossierLabel(m.dossiers[0])} pour l'appel à projets ${callLabel(m)} est toujours à l'état de brouillon.`,
      'Pensez à le compléter et à le déposer avant la clôture : un brouillon non déposé ne sera pas examiné.',
    ],
    details: [['Clôture le', formatDateTime(m.data.closesAt)]],
  }),
});
