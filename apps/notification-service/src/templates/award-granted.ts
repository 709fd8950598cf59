import type { AwardGranted, EventData } from '@aap/contracts';
import { formatCents, formatDate, formatRate } from './format';
import { callLabel, defineTemplate, dossierLabel, subjectDossier } from './template';

/** The accepted dossier became an award: the grant, its effective rate and the deadline to start. */
export default defineTemplate<EventData<typeof AwardGranted>>({
  subject: (m) => `Attribution de votre subvention${subjectDossier(m)}`,
  body: (m) => ({
    paragraphs: [
      `La subvention accordée à votre dossier ${dossierLabel(m.dossiers[0])} au titre de l'appel à projets ${callLabel(m)} est attribuée.`,
      `L'exécution du projet doit commencer avant le ${formatDate(m.data.startDeadline)} : passé ce délai, la subvention devient caduque. La convention de subvention vous sera transmise pour signature.`,
    ],
    details: [
      ['Subvention attribuée', formatCents(m.data.grantCents)],
      ['Dépenses éligibles', formatCents(m.data.eligibleCostCents)],
      ['Taux de subvention', formatRate(m.data.effectiveRateBps)],
      ["Avance au démarrage de l'exécution", `jusqu'à ${formatRate(m.data.schedule.advanceBps)} de la subvention`],
      ['Date limite de démarrage', formatDate(m.data.startDeadline)],
    ],
  }),
});
