import type { DossierComplementRequested, EventData } from '@aap/contracts';
import { formatDate } from './format';
import { defineTemplate, dossierLabel, subjectDossier } from './template';

/** A reviewer asked the applicant for complements. */
export default defineTemplate<EventData<typeof DossierComplementRequested>>({
  subject: (m) => `Demande de compléments${subjectDossier(m)}`,
  body: (m) => ({
    paragraphs: [
      `L'instruction de votre dossier ${dossierLabel(m.dossiers[0])} nécessite des compléments de votre part.`,
      "Répondez depuis votre dossier : son instruction reprendra dès réception de votre réponse.",
    ],
    details: [['À fournir avant le', m.data.dueDate ? formatDate(m.data.dueDate) : undefined]],
    quote: { label: 'La demande', text: m.data.message },
  }),
});
