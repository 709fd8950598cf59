import type { AwardCompleted, EventData } from '@aap/contracts';
import { formatCents } from './format';
import { defineTemplate, dossierLabel, subjectDossier } from './template';

/** The balance was settled: the award is complete. */
export default defineTemplate<EventData<typeof AwardCompleted>>({
  subject: (m) => `Subvention soldée${subjectDossier(m)}`,
  body: (m) => ({
    paragraphs: [`Le solde de la subvention de votre dossier ${dossierLabel(m.dossiers[0])} est arrêté : le dossier de subvention est clos.`],
    details: [
      ['Montant dû au vu des dépenses réalisées', formatCents(m.data.dueCents)],
      ['Total versé', formatCents(m.data.paidCents)],
      ['Montant à reverser', m.data.recoveredCents > 0 ? formatCents(m.data.recoveredCents) : undefined],
    ],
  }),
});
