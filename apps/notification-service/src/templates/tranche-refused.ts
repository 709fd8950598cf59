import type { EventData, TrancheRefused } from '@aap/contracts';
import { trancheLabel } from './format';
import { defineTemplate, dossierLabel, subjectDossier } from './template';

/** Finance refused a requested tranche with a reason. */
export default defineTemplate<EventData<typeof TrancheRefused>>({
  subject: (m) => `Demande de versement refusée (${trancheLabel(m.data.kind)})${subjectDossier(m)}`,
  body: (m) => ({
    paragraphs: [
      `Votre demande de versement (${trancheLabel(m.data.kind)}) pour le dossier ${dossierLabel(m.dossiers[0])} n'a pas été validée.`,
      'Vous pouvez déposer une nouvelle demande depuis votre dossier en tenant compte du motif ci-dessous.',
    ],
    quote: { label: 'Motif du refus', text: m.data.reason },
  }),
});
