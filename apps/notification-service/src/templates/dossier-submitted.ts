import type { DossierSubmitted, EventData } from '@aap/contracts';
import { formatDateTime } from './format';
import { callLabel, defineTemplate, dossierLabel, subjectDossier } from './template';

/** Accusé de réception: the dossier was submitted. */
export default defineTemplate<EventData<typeof DossierSubmitted>>({
  subject: (m) => `Accusé de réception${subjectDossier(m)}`,
  body: (m) => ({
    paragraphs: [
      `Nous avons bien reçu votre dossier ${dossierLabel(m.dossiers[0])} déposé au titre de l'appel à projets ${callLabel(m)}.`,
      "Il va maintenant être examiné. Vous serez informé(e) de chaque étape de son instruction.",
    ],
    details: [
      ['Numéro de dossier', m.data.dossier.number],
      ['Déposé le', formatDateTime(m.data.dossier.submittedAt)],
      ['Empreinte du contenu déposé (SHA-256)', m.data.dossier.contentHash],
    ],
  }),
});
