import type { AwardLapsed, EventData } from '@aap/contracts';
import { formatDate } from './format';
import { defineTemplate, dossierLabel, subjectDossier } from './template';

const WHY = {
  'not-started': "l'exécution du projet n'a pas commencé",
  'not-completed': "l'achèvement du projet n'a pas été déclaré",
} as const;

/** The award lapsed (caducité) for a missed deadline. */
export default defineTemplate<EventData<typeof AwardLapsed>>({
  subject: (m) => `Caducité de votre subvention${subjectDossier(m)}`,
  body: (m) => ({
    paragraphs: [
      `La subvention de votre dossier ${dossierLabel(m.dossiers[0])} est caduque : ${WHY[m.data.reason]} avant le ${formatDate(m.data.deadline)}.`,
      'Aucun versement ne sera plus effectué ; les sommes déjà versées et non justifiées pourront faire l’objet d’un titre de perception.',
    ],
    details: [['Date limite dépassée', formatDate(m.data.deadline)]],
  }),
});
