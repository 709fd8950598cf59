import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { asyncApiFile, renderAsyncApi } from './asyncapi-document';

it('docs/asyncapi.json matches the event catalogue (run `npm run asyncapi` after changing an event)', () => {
  expect(readFileSync(asyncApiFile, 'utf8')).toBe(renderAsyncApi());
});
