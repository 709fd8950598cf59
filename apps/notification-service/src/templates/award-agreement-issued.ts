import type { AwardAgreementIssued, EventData } from '@aap/contracts';
import { defineTemplate, dossierLabel, subjectDossier } from './template';

/** The agreement was generated and waits for the beneficiary's signature. */
export default defineTemplate<EventData<typeof AwardAgreementIssued>>({
  subject: (m) => `Convention de subvention à signer${subjectDossier(m)}`,
  body: (m) => ({
    paragraphs: [
      `La convention de subvention de votre dossier ${dossierLabel(m.dossiers[0])} est prête : relisez-la et signez-la depuis votre dossier.`,
      "Elle sera ensuite contresignée par l'ANCT. Les versements ne peuvent intervenir qu'une fois la convention signée par les deux parties lorsqu'elle est requise.",
    ],
    // The document's fingerprint: the applicant can check that the one signed is the one issued.
    details: [['Empreinte du document (SHA-256)', m.data.agreementSha256]],
  }),
});
