import type { ServiceContext } from '@aap/service-runtime';
import { registerDossierExportRoutes, type DossierExportPorts } from './dossier-export.routes';
import { exportLinesStore } from './export-lines.store';

export { DOSSIER_EXPORT_READ_CHANNEL, type DossierExportPorts } from './dossier-export.routes';

/**
 * Staff exports of a call's dossiers, CSV and XLSX, streamed from the export read model (one line per
 * dossier, written after every dossier write; a call's lines are first written by its first export,
 * which reads the dossiers themselves): the first bytes leave before the first line is read, a line is
 * read only when the client takes more, and no more than a round trip of lines is held at once.
 */
export function registerDossierExports(context: ServiceContext, ports: DossierExportPorts): void {
  const lines = exportLinesStore(context);
  ports.dossiers.onWritten(lines.put);
  registerDossierExportRoutes(context, ports, lines);
}
