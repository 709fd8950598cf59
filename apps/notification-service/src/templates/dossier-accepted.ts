import type { DossierAccepted, EventData } from '@aap/contracts';
import { formatCents, formatRate } from './format';
import { callLabel, defineTemplate, dossierLabel, subjectDossier } from './template';

/** The committee approved the dossier with a grant. */
export default defineTemplate<EventData<typeof DossierAccepted>>({
  subject: (m) => `Votre dossier est retenu${subjectDossier(m)}`,
  body: (m) => ({
    paragraphs: [
      `Nous avons le plaisir de vous informer que votre dossier ${dossierLabel(m.dossiers[0])} a été retenu par le comité de sélection de l'appel à projets ${callLabel(m)}.`,
      'Vous recevrez prochainement la convention de subvention à signer.',
    ],
    // The grant and what it was computed from: at most the State rate applied to the eligible cost.
    details: [
      ['Subvention accordée', formatCents(m.data.grantCents)],
      ['Montant demandé', formatCents(m.data.requestedGrantCents)],
      ['Dépenses éligibles retenues', formatCents(m.data.eligibleCostCents)],
      ["Taux d'aide de l'État", formatRate(m.data.stateRateBps)],
    ],
    quote: { label: 'Motivation de la décision', text: m.data.motivation },
  }),
});
