import { ProbeLaunched } from '@aap/contracts';
import { registerJourneyProbe } from '@aap/diagnostics';
import { runUpgrades, type ServiceModule } from '@aap/service-runtime';
import { registerOrganisations } from './organisations';
import { registerCalls } from './calls';
import { registerAttachments } from './attachments';
import { registerDossiers } from './dossiers';
import { registerDossierExports } from './dossier-exports';
import { registerReviewerAccess } from './reviewer-access';

/** Calls for projects, applicant organisations and dossiers: the platform's front door. */
export const service: ServiceModule = {
  name: 'submission',
  description: 'Calls for projects, applicant organisations, dossiers and their attachments.',
  async register(context) {
    registerJourneyProbe(context, { relays: ProbeLaunched });
    // capabilities (one vertical slice per folder)
    const organisations = registerOrganisations(context);
    const calls = registerCalls(context);
    const reviewers = registerReviewerAccess(context);
    // Dependencies flow one way: dossiers use the calls', organisations' and reviewers' ports, attachments the dossiers'.
    const dossiers = registerDossiers(context, { calls, organisations, reviewers });
    await registerAttachments(context, dossiers);
    registerDossierExports(context, { calls, dossiers });
    // Calls stored before teams get their creator as first programme manager before the service serves.
    await runUpgrades(context.db, { ...calls.upgrades });
  },
};
