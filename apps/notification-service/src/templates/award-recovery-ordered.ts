import type { AwardRecoveryOrdered, EventData } from '@aap/contracts';
import { formatCents, formatDate } from './format';
import { defineTemplate, dossierLabel, subjectDossier } from './template';

/** A recovery order (titre de perception) asks back part of what was paid. */
export default defineTemplate<EventData<typeof AwardRecoveryOrdered>>({
  subject: (m) => `Titre de perception : reversement demandé${subjectDossier(m)}`,
  body: (m) => ({
    paragraphs: [
      `Au titre de votre dossier ${dossierLabel(m.dossiers[0])}, une partie de la subvention versée doit être reversée à l'État : un titre de perception est émis à votre encontre.`,
      'Vous recevrez de la direction régionale des finances publiques les modalités de paiement. Ce titre peut être contesté dans un délai de deux mois à compter de sa notification.',
    ],
    details: [
      ['Montant à reverser', formatCents(m.data.amountCents)],
      ["Date d'échéance", formatDate(m.data.dueOn)],
      ['Référence', m.data.recoveryId],
    ],
    quote: { label: 'Motif', text: m.data.reason },
  }),
});
