/** The organisation, dossier and call copy this service keeps from events (directory.projection.ts). */
export { registerDirectory, upgradeDirectory, type CallEntry, type Directory, type DossierEntry, type OrganisationEntry } from './directory.projection';
