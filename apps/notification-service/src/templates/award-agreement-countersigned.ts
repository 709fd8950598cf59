import type { AwardAgreementCountersigned, EventData } from '@aap/contracts';
import { formatDateTime } from './format';
import { defineTemplate, dossierLabel, subjectDossier } from './template';

/** The programme manager countersigned: the agreement binds both parties. */
export default defineTemplate<EventData<typeof AwardAgreementCountersigned>>({
  subject: (m) => `Convention de subvention signée par les deux parties${subjectDossier(m)}`,
  body: (m) => ({
    paragraphs: [
      `La convention de subvention de votre dossier ${dossierLabel(m.dossiers[0])} a été contresignée par l'ANCT : elle engage désormais les deux parties.`,
      'Vous pouvez télécharger la version signée depuis votre dossier.',
    ],
    details: [
      ['Contresignée le', formatDateTime(m.data.at)],
      ['Empreinte du document (SHA-256)', m.data.agreementSha256],
    ],
  }),
});
