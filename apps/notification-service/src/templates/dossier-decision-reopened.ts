import type { DossierDecisionReopened, EventData } from '@aap/contracts';
import { defineTemplate, dossierLabel, subjectDossier } from './template';

/**
 * The committee reopened its decision. The committee's reason is internal: the message says only
 * that the dossier is under review again.
 */
export default defineTemplate<EventData<typeof DossierDecisionReopened>>({
  subject: (m) => `Réexamen de votre dossier${subjectDossier(m)}`,
  body: (m) => ({
    paragraphs: [
      `La décision concernant votre dossier ${dossierLabel(m.dossiers[0])} a été réouverte par le comité de sélection : votre dossier est de nouveau en instruction.`,
      'Vous serez informé(e) de la nouvelle décision.',
    ],
  }),
});
