import { eachLimited } from '@aap/messaging';
import type { ServiceContext } from '@aap/service-runtime';
import type { DossierReadModel } from '../dossiers';
import { registerDossierExportRoutes, type DossierExportPorts } from './dossier-export.routes';
import { exportLinesStore, type ExportLinesStore } from './export-lines.store';

export { DOSSIER_EXPORT_READ_CHANNEL, type DossierExportPorts } from './dossier-export.routes';

/**
 * The export read model (one line per dossier, export-lines.store.ts), kept by the dossiers slice like
 * the staff lists' index: rewritten from the dossier as stored after each dossier fact (dossiers/read-models.ts).
 */
export function dossierExportLines(context: ServiceContext): ExportLinesStore & DossierReadModel {
  const lines = exportLinesStore(context);
  return { ...lines, write: (dossiers) => eachLimited(dossiers, LINES_AT_ONCE, (dossier) => lines.put(dossier)) };
}

/** Lines rewritten side by side by a batch of facts. */
const LINES_AT_ONCE = 8;

/**
 * Staff exports of a call's dossiers, CSV and XLSX, streamed from the export read model (a call's lines
 * are first written by its first export, which reads the dossiers themselves): the first bytes leave
 * before the first line is read, a line is read only when the client takes more, and no more than a
 * round trip of lines is held at once.
 */
export function registerDossierExports(context: ServiceContext, ports: DossierExportPorts, lines: ExportLinesStore): void {
  registerDossierExportRoutes(context, ports, lines);
}
