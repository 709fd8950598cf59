import { fileURLToPath } from 'node:url';
import { buildAsyncApiDocument, catalogue } from '@aap/contracts';

export const asyncApiFile = fileURLToPath(new URL('../docs/asyncapi.json', import.meta.url));

export function renderAsyncApi(): string {
  return `${JSON.stringify(buildAsyncApiDocument(catalogue), null, 2)}\n`;
}
