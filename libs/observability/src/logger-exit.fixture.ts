// Run as a process by logger.unit.test.ts: logs LINES lines, says so on stderr, then exits at once
// (no await, no flush) or, with HOLD_MS, stays alive that long first.
import { createLogger } from './logger';

const logger = createLogger({ service: 'exit-fixture' });
const lines = Number(process.env.LINES ?? 1000);
for (let i = 0; i < lines; i++) logger.info({ i }, 'line');
process.stderr.write('logged\n');
const exit = () => process.exit(Number(process.env.EXIT_CODE ?? 0));
if (process.env.HOLD_MS) setTimeout(exit, Number(process.env.HOLD_MS));
else exit();
