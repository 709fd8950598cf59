import type { DossierResubmitted, EventData } from '@aap/contracts';
import { formatDateTime } from './format';
import { defineTemplate, dossierLabel, subjectDossier } from './template';

/** The applicant answered a request for complements. */
export default defineTemplate<EventData<typeof DossierResubmitted>>({
  subject: (m) => `Compléments reçus${subjectDossier(m)}`,
  body: (m) => ({
    paragraphs: [
      `Nous avons bien reçu les compléments que vous avez apportés à votre dossier ${dossierLabel(m.dossiers[0])}.`,
      "L'instruction de votre dossier reprend.",
    ],
    details: [['Reçus le', formatDateTime(m.occurredAt)]],
  }),
});
