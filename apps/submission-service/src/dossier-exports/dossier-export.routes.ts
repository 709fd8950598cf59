import { channel } from 'node:diagnostics_channel';
import { z } from 'zod';
import { callerOf, CSV_MEDIA_TYPE, fileAnswer, policies, ROLE_SETS, sendCsvStream, sendXlsxStream, XLSX_CONTENT_TYPE } from '@aap/http';
import type { ServiceContext } from '@aap/service-runtime';
import type { DossierPorts, DossierStreamPort } from '../dossiers';
import { dossierFilterQuery } from '../dossier-index/dossier-lists.routes';
import { EXPORT_LINE_COLUMNS, exportFilterOf, type ExportFilter, type ExportLine } from './dossier-export';
import type { ExportLinesStore } from './export-lines.store';

/** What the exports read: the calls (the team rule) and the dossiers of a call as a stream. */
export interface DossierExportPorts {
  calls: Pick<DossierPorts['calls'], 'get'>;
  dossiers: DossierStreamPort;
}

/**
 * Published once per line read from the store during an export (`{ callId, read }`, the count so
 * far): what shows from outside that an export streams (its first bytes leave before its last dossier
 * is read). Costs nothing while nobody subscribes.
 */
export const DOSSIER_EXPORT_READ_CHANNEL = 'aap:submission:dossier-export:read';
const reads = channel(DOSSIER_EXPORT_READ_CHANNEL);

const callParams = z.object({ callId: z.string().min(1).max(100) });

/** The lines of the call that the filter keeps, as the store streams them (no order: see `ofCall`). */
async function* exportedLines(ports: DossierExportPorts, lines: ExportLinesStore, callId: string, filter: ExportFilter): AsyncGenerator<ExportLine> {
  let read = 0;
  const keep = exportFilterOf(filter);
  for await (const line of lines.ofCall(callId, { status: filter.status, waveId: filter.waveId }, () => ports.dossiers.ofCall(callId))) {
    read++;
    if (reads.hasSubscribers) reads.publish({ callId, read });
    if (keep(line)) yield line;
  }
}

export function registerDossierExportRoutes(context: ServiceContext, ports: DossierExportPorts, lines: ExportLinesStore): void {
  const { http } = context;
  const formats = [
    { extension: 'csv', operationId: 'exportCallDossiersCsv', mediaType: CSV_MEDIA_TYPE, summary: 'CSV (UTF-8 with BOM, comma-separated, RFC 4180; a cell starting with = + - @ tab or CR gets a leading apostrophe)', send: sendCsvStream },
    { extension: 'xlsx', operationId: 'exportCallDossiersXlsx', mediaType: XLSX_CONTENT_TYPE, summary: 'XLSX (one sheet; text cells are never formulas; a cell longer than 32 767 characters is cut there)', send: sendXlsxStream },
  ] as const;

  for (const format of formats) {
    http.get(
      `/calls/:callId/dossiers.${format.extension}`,
      {
        config: { access: { roles: ROLE_SETS.callOversight } },
        schema: {
          operationId: format.operationId,
          tags: ['dossiers'],
          summary: `Export of every field of a call’s dossiers, streamed, as ${format.summary}; amounts in integer cents, dates ISO 8601 (UTC), lists as JSON; rows in store order`,
          params: callParams,
          querystring: dossierFilterQuery,
          response: { 200: fileAnswer(format.mediaType, `The dossiers as ${format.extension.toUpperCase()}`) },
        },
      },
      async (request, reply) => {
        const { callId } = request.params;
        policies.onCallTeam(callerOf(request), await ports.calls.get(callId), `Call ${callId}`);
        return format.send(reply, `dossiers-${callId}.${format.extension}`, exportedLines(ports, lines, callId, request.query), EXPORT_LINE_COLUMNS);
      },
    );
  }
}
