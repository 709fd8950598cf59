import type { EventData, TrancheValidated } from '@aap/contracts';
import { formatCents, trancheLabel } from './format';
import { defineTemplate, dossierLabel, subjectDossier } from './template';

/** Finance validated a requested tranche; it is released for payment next. */
export default defineTemplate<EventData<typeof TrancheValidated>>({
  subject: (m) => `Demande de versement validée (${trancheLabel(m.data.kind)})${subjectDossier(m)}`,
  body: (m) => ({
    paragraphs: [
      `Votre demande de versement (${trancheLabel(m.data.kind)}) pour le dossier ${dossierLabel(m.dossiers[0])} a été validée.`,
      'Le versement sera mis en paiement prochainement ; vous serez informé(e) de sa date.',
    ],
    details: [['Montant validé', formatCents(m.data.amountCents)]],
  }),
});
