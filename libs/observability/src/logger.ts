import { destination, pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { trace } from '@opentelemetry/api';
import { censorText, redactFields } from './redaction';

export type { Logger } from 'pino';

const BATCH_BYTES = 4_096;
const FLUSH_MS = 250;

/**
 * JSON logger carrying the active trace and span ids, so a log line leads to its trace.
 * Lines go to stdout asynchronously and in batches: a request never waits on a write to the terminal
 * or the log collector's pipe, and one write carries 4 KiB of lines instead of one write per line
 * (measured: the write was most of a request's logging cost). A line waits at most FLUSH_MS in the
 * buffer; pino flushes what is left synchronously when the process exits (process.exit included), only
 * a SIGKILL loses it.
 * Secrets and personal data are redacted from every line (redaction.ts): by field name, and by pattern
 * in the serialised line (messages, errors and any other text).
 */
export function createLogger(options: { service: string; level?: LevelWithSilent; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { log: redactFields, bindings: redactFields },
      hooks: { streamWrite: censorText },
      mixin() {
        const span = trace.getActiveSpan();
        if (!span) return {};
        const { traceId, spanId } = span.spanContext();
        return { trace_id: traceId, span_id: spanId };
      },
    },
    options.destination ?? destination({ dest: 1, sync: false, minLength: BATCH_BYTES, periodicFlush: FLUSH_MS }),
  );
}
