import type { EventData, TranchePaid } from '@aap/contracts';
import { formatCents, formatDate, trancheLabel } from './format';
import { defineTemplate, dossierLabel, subjectDossier } from './template';

/** The payment of a tranche was recorded (the event carries no bank details: none are shown). */
export default defineTemplate<EventData<typeof TranchePaid>>({
  subject: (m) => `Versement effectué (${trancheLabel(m.data.kind)})${subjectDossier(m)}`,
  body: (m) => ({
    paragraphs: [`Le versement (${trancheLabel(m.data.kind)}) de la subvention de votre dossier ${dossierLabel(m.dossiers[0])} a été effectué sur le compte bancaire validé.`],
    details: [
      ['Montant versé', formatCents(m.data.amountCents)],
      ['Date du paiement', formatDate(m.data.paidOn)],
      ['Référence du paiement', m.data.paymentReference],
    ],
  }),
});
