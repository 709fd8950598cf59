import type { AwardBankDetailsValidated, EventData } from '@aap/contracts';
import { defineTemplate, dossierLabel, subjectDossier } from './template';

/** Finance validated the bank details: payments go to them. The IBAN is only ever shown masked. */
export default defineTemplate<EventData<typeof AwardBankDetailsValidated>>({
  subject: (m) => `Coordonnées bancaires validées${subjectDossier(m)}`,
  body: (m) => ({
    paragraphs: [
      `Les coordonnées bancaires transmises pour votre dossier ${dossierLabel(m.dossiers[0])} ont été validées : les prochains versements y seront effectués.`,
      "Si vous n'êtes pas à l'origine de ce changement, contactez-nous sans attendre.",
    ],
    details: [['IBAN', m.data.iban]],
  }),
});
