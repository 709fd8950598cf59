import type { AwardStartDeadlineExtended, EventData } from '@aap/contracts';
import { formatDate } from './format';
import { defineTemplate, dossierLabel, subjectDossier } from './template';

/** The deadline to start execution was extended (once, at most a year). */
export default defineTemplate<EventData<typeof AwardStartDeadlineExtended>>({
  subject: (m) => `Délai de démarrage prolongé${subjectDossier(m)}`,
  body: (m) => ({
    paragraphs: [
      `Le délai pour commencer l'exécution du projet de votre dossier ${dossierLabel(m.dossiers[0])} est prolongé de ${m.data.months} mois.`,
      'Cette prolongation ne peut être accordée qu’une fois : passé la nouvelle date, la subvention devient caduque.',
    ],
    details: [['Nouvelle date limite de démarrage', formatDate(m.data.startDeadline)]],
    quote: { label: 'Motif', text: m.data.reason },
  }),
});
