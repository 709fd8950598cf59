import type { EvaluationReviewersAssigned, EventData } from '@aap/contracts';
import { formatDateTime } from './format';
import { defineReviewerTemplate } from './template';

type Assigned = EventData<typeof EvaluationReviewersAssigned>['reviewers'][number];

/** A dossier was assigned to a reviewer (one message per newly assigned reviewer, `data` = that reviewer's assignment). */
export default defineReviewerTemplate<Assigned>({
  subject: (m) => `Nouveau dossier à évaluer — dossier ${m.dossier.number}`,
  body: (m) => ({
    paragraphs: [
      `Le dossier n° ${m.dossier.number} de l'appel à projets ${m.call.title ? `« ${m.call.title} »` : 'concerné'} vous a été confié pour évaluation.`,
      "Avant de l'ouvrir, vérifiez que vous n'avez aucun conflit d'intérêts avec le porteur du projet ; si vous en avez un, déclarez-le depuis la fiche d'évaluation : le dossier sera confié à un autre évaluateur.",
      `Merci de noter chaque critère de la grille, avec un commentaire, avant le ${formatDateTime(m.data.dueAt)} (heure de Paris).`,
    ],
    details: [
      ['Dossier', m.dossier.number],
      ['Appel à projets', m.call.title],
      ["Date limite d'évaluation", `${formatDateTime(m.data.dueAt)} (heure de Paris)`],
    ],
  }),
});
