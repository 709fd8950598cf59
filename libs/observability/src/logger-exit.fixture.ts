// Run as a process by logger.unit.test.ts: logs LINES lines, then exits at once (no await, no flush).
import { createLogger } from './logger';

const logger = createLogger({ service: 'exit-fixture' });
const lines = Number(process.env.LINES ?? 1000);
for (let i = 0; i < lines; i++) logger.info({ i }, 'line');
process.exit(Number(process.env.EXIT_CODE ?? 0));
