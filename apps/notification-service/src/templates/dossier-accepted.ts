import type { DossierAccepted, EventData } from '@aap/contracts';
import { formatCents } from './format';
import { callLabel, defineTemplate, dossierLabel, subjectDossier } from './template';

/** The committee approved the dossier with a grant. */
export default defineTemplate<EventData<typeof DossierAccepted>>({
  subject: (m) => `Votre dossier est retenu${subjectDossier(m)}`,
  body: (m) => ({
    paragraphs: [
      `Nous avons le plaisir de vous informer que votre dossier ${dossierLabel(m.dossiers[0])} a été retenu par le comité de sélection de l'appel à projets ${callLabel(m)}.`,
      'Vous recevrez prochainement la convention de subvention à signer.',
    ],
    details: [['Subvention accordée', formatCents(m.data.grantCents)]],
    quote: { label: 'Motivation de la décision', text: m.data.motivation },
  }),
});
