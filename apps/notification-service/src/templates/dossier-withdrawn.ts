import type { DossierWithdrawn, EventData } from '@aap/contracts';
import { formatDateTime } from './format';
import { callLabel, defineTemplate, dossierLabel, subjectDossier } from './template';

/** The applicant withdrew its dossier. */
export default defineTemplate<EventData<typeof DossierWithdrawn>>({
  subject: (m) => `Retrait de votre dossier${subjectDossier(m)}`,
  body: (m) => ({
    paragraphs: [
      `Votre dossier ${dossierLabel(m.dossiers[0])} a bien été retiré de l'appel à projets ${callLabel(m)}.`,
      "Il ne sera pas examiné. Si ce retrait n'est pas de votre fait, contactez-nous sans attendre.",
    ],
    details: [
      ['Retiré le', formatDateTime(m.data.withdrawnAt)],
      ['Motif indiqué', m.data.reason],
    ],
  }),
});
