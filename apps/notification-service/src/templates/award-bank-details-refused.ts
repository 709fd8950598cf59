import type { AwardBankDetailsRefused, EventData } from '@aap/contracts';
import { defineTemplate, dossierLabel, subjectDossier } from './template';

/** Finance refused the submitted bank details, with a reason; the previous ones, if any, stay in use. */
export default defineTemplate<EventData<typeof AwardBankDetailsRefused>>({
  subject: (m) => `Coordonnées bancaires refusées${subjectDossier(m)}`,
  body: (m) => ({
    paragraphs: [
      `Les coordonnées bancaires transmises pour votre dossier ${dossierLabel(m.dossiers[0])} n'ont pas été validées.`,
      'Transmettez de nouvelles coordonnées avec le relevé d’identité bancaire (RIB) correspondant depuis votre dossier. Les coordonnées validées auparavant, le cas échéant, restent utilisées.',
    ],
    quote: { label: 'Motif du refus', text: m.data.reason },
  }),
});
