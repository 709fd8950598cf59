/**
 * npm run asyncapi: writes docs/asyncapi.json, the AsyncAPI 3.0 description of every topic and event,
 * generated from the event catalogue (libs/contracts). A unit test fails when the file is stale.
 */
import { writeFileSync } from 'node:fs';
import { asyncApiFile, renderAsyncApi } from './asyncapi-document';

writeFileSync(asyncApiFile, renderAsyncApi());
console.log(`wrote ${asyncApiFile}`);
