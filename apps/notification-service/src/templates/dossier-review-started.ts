import type { DossierReviewStarted, EventData } from '@aap/contracts';
import { defineTemplate, dossierLabel, subjectDossier } from './template';

/** The dossier is eligible and under review (en instruction). */
export default defineTemplate<EventData<typeof DossierReviewStarted>>({
  subject: (m) => `Votre dossier est en instruction${subjectDossier(m)}`,
  body: (m) => ({
    paragraphs: [
      `Votre dossier ${dossierLabel(m.dossiers[0])} est recevable : son instruction a commencé.`,
      'Vous serez informé(e) de la décision, ou de toute demande de compléments.',
    ],
  }),
});
