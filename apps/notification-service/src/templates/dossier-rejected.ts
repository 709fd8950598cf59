import type { DossierRejected, EventData } from '@aap/contracts';
import { callLabel, defineTemplate, dossierLabel, subjectDossier } from './template';

/** The dossier was rejected, as ineligible or by the committee. */
export default defineTemplate<EventData<typeof DossierRejected>>({
  subject: (m) => `Décision sur votre dossier${subjectDossier(m)}`,
  body: (m) => ({
    paragraphs: [
      m.data.ineligible
        ? `Votre dossier ${dossierLabel(m.dossiers[0])} n'est pas recevable au titre de l'appel à projets ${callLabel(m)} : il ne peut pas être instruit.`
        : `Nous sommes au regret de vous informer que votre dossier ${dossierLabel(m.dossiers[0])} n'a pas été retenu par le comité de sélection de l'appel à projets ${callLabel(m)}.`,
      'Cette décision peut faire l’objet d’un recours gracieux ou contentieux dans un délai de deux mois à compter de sa notification.',
    ],
    details: m.data.reasons.map((reason, i) => [`Motif ${i + 1}`, reason] as [string, string]),
    quote: { label: 'Motivation de la décision', text: m.data.motivation },
  }),
});
