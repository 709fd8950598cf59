import type { DossierWaitlisted, EventData } from '@aap/contracts';
import { defineTemplate, dossierLabel, subjectDossier } from './template';

/** The committee put the dossier on its reserve list. */
export default defineTemplate<EventData<typeof DossierWaitlisted>>({
  subject: (m) => `Votre dossier est sur liste complémentaire${subjectDossier(m)}`,
  body: (m) => ({
    paragraphs: [
      `Le comité de sélection a inscrit votre dossier ${dossierLabel(m.dossiers[0])} sur la liste complémentaire.`,
      "Il pourra être retenu si des crédits se libèrent. Nous vous tiendrons informé(e).",
    ],
    details: [['Rang sur la liste complémentaire', m.data.rank?.toString()]],
    quote: { label: 'Motivation de la décision', text: m.data.motivation },
  }),
});
