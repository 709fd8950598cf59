import { destination, pino, type Logger, type LevelWithSilent } from 'pino';
import { trace } from '@opentelemetry/api';

export type { Logger } from 'pino';

/**
 * JSON logger carrying the active trace and span ids, so a log line leads to its trace.
 * Lines go to stdout asynchronously: a request never waits on a write to the terminal or the log
 * collector's pipe, and lines logged while a write is under way go out together. Pino flushes what is
 * still buffered synchronously when the process exits (process.exit included); only a SIGKILL loses it.
 */
export function createLogger(options: { service: string; level?: LevelWithSilent }): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      mixin() {
        const span = trace.getActiveSpan();
        if (!span) return {};
        const { traceId, spanId } = span.spanContext();
        return { trace_id: traceId, span_id: spanId };
      },
    },
    destination({ dest: 1, sync: false }),
  );
}
