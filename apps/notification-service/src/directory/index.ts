/** The organisation and dossier copy this service keeps from events (directory.projection.ts); calls are the shared call copy's. */
export { registerDirectory, upgradeDirectory, type Directory, type DossierEntry, type OrganisationEntry } from './directory.projection';
