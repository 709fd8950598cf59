import type { DossierClosedWithoutFollowUp, EventData } from '@aap/contracts';
import { defineTemplate, dossierLabel, subjectDossier } from './template';

/** The dossier was closed without follow-up (classé sans suite). */
export default defineTemplate<EventData<typeof DossierClosedWithoutFollowUp>>({
  subject: (m) => `Votre dossier est classé sans suite${subjectDossier(m)}`,
  body: (m) => ({
    paragraphs: [`Votre dossier ${dossierLabel(m.dossiers[0])} a été classé sans suite.`],
    quote: { label: 'Motivation', text: m.data.motivation },
  }),
});
