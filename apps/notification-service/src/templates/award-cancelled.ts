import type { AwardCancelled, EventData } from '@aap/contracts';
import { defineTemplate, dossierLabel, subjectDossier } from './template';

const CAUSES = {
  'dossier-withdrawn': 'retrait du dossier',
  renounced: 'renonciation du bénéficiaire',
  'decision-reopened': 'réexamen de la décision par le comité',
  manual: "décision de l'ANCT",
} as const;

/** The award was cancelled: nothing more is paid on it. */
export default defineTemplate<EventData<typeof AwardCancelled>>({
  subject: (m) => `Annulation de votre subvention${subjectDossier(m)}`,
  body: (m) => ({
    paragraphs: [
      `La subvention de votre dossier ${dossierLabel(m.dossiers[0])} est annulée : aucun versement ne sera plus effectué.`,
      'Les sommes déjà versées pourront faire l’objet d’un titre de perception.',
    ],
    details: [["Origine de l'annulation", CAUSES[m.data.cause]]],
    quote: { label: 'Motif', text: m.data.reason },
  }),
});
