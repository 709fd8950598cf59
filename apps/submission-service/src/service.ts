import { ProbeLaunched } from '@aap/contracts';
import { registerJourneyProbe } from '@aap/diagnostics';
import { runUpgrades, type ServiceModule } from '@aap/service-runtime';
import { registerOrganisations } from './organisations';
import { registerCalls } from './calls';
import { registerAttachments } from './attachments';
import { registerDossiers } from './dossiers';
import { registerDossierIndex, registerDossierListRoutes, type DossierIndexPort } from './dossier-index';
import { dossierExportLines, registerDossierExports } from './dossier-exports';
import { registerReviewerAccess } from './reviewer-access';

/**
 * Calls for projects, applicant organisations and dossiers: the platform's front door. `ready` is told
 * the index's port once it is registered (a test reads the read model of each instance it starts).
 */
export const submissionService = (ready: { index?(index: DossierIndexPort): void } = {}): ServiceModule => ({
  name: 'submission',
  description: 'Calls for projects, applicant organisations, dossiers and their attachments.',
  async register(context) {
    registerJourneyProbe(context, { relays: ProbeLaunched });
    // capabilities (one vertical slice per folder)
    const organisations = registerOrganisations(context);
    const calls = registerCalls(context);
    const reviewers = registerReviewerAccess(context);
    // Dependencies flow one way: dossiers use the calls', organisations' and reviewers' ports, attachments the dossiers'.
    // The staff lists' index and the export lines are built on the dossiers' store and kept by it (dossiers/read-models.ts);
    // an admin's rebuild of the index rewrites the export lines too.
    // The staff lists, their search and counts are answered from the index.
    const dossiers = registerDossiers(context, { calls, organisations, reviewers }, (store) => {
      const exportLines = dossierExportLines(context);
      const index = registerDossierIndex(context, store, [exportLines]);
      registerDossierListRoutes(context, { index, dossiers: store, calls });
      return { index, exportLines };
    });
    const { index, exportLines } = dossiers.readModels;
    ready.index?.(index);
    await registerAttachments(context, dossiers);
    registerDossierExports(context, { calls, dossiers }, exportLines);
    // Calls stored before teams get their creator as first programme manager before the service serves;
    // dossiers stored before the staff lists' index are put in it.
    await runUpgrades(context.db, { ...calls.upgrades, ...index.upgrades });
  },
});

export const service: ServiceModule = submissionService();
