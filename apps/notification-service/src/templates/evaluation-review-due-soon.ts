import type { EvaluationReviewDueSoon, EventData } from '@aap/contracts';
import { formatDateTime } from './format';
import { defineReviewerTemplate } from './template';

/** A reviewer's evaluation of a dossier is due soon and not submitted yet. */
export default defineReviewerTemplate<EventData<typeof EvaluationReviewDueSoon>>({
  subject: (m) => `Rappel : évaluation attendue avant le ${formatDateTime(m.data.dueAt)} — dossier ${m.dossier.number}`,
  body: (m) => ({
    paragraphs: [
      `Votre évaluation du dossier n° ${m.dossier.number} de l'appel à projets ${m.call.title ? `« ${m.call.title} »` : 'concerné'} n'est pas encore transmise.`,
      `Merci de la transmettre avant le ${formatDateTime(m.data.dueAt)} (heure de Paris) : le comité de sélection ne peut classer le dossier qu'une fois toutes ses évaluations reçues.`,
    ],
    details: [
      ['Dossier', m.dossier.number],
      ['Appel à projets', m.call.title],
      ["Date limite d'évaluation", `${formatDateTime(m.data.dueAt)} (heure de Paris)`],
    ],
  }),
});
