import { z } from 'zod';

/** Raised at start-up when the environment does not satisfy a service's configuration schema. */
export class ConfigurationError extends Error {
  constructor(
    readonly service: string,
    readonly problems: string[],
  ) {
    super(`Invalid configuration for ${service}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigurationError';
  }
}

/**
 * Parses environment variables with a zod schema whose keys are the variable names.
 * Every failing variable is reported in one error, so an operator fixes them all at once.
 */
export function loadConfig<S extends z.ZodObject>(
  service: string,
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  // An empty variable (`PORT=`) means "not set": it takes the default instead of coercing to 0.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const variable = issue.path.join('.') || '(environment)';
    const value = typeof issue.path[0] === 'string' ? env[issue.path[0]] : undefined;
    const shown = value === undefined ? 'not set' : `got "${value}"`;
    return `${variable}: ${issue.message} (${shown})`;
  });
  throw new ConfigurationError(service, problems);
}

/** Comma-separated list, trimmed, empty items dropped. */
export const commaList = z
  .string()
  .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean))
  .pipe(z.array(z.string()).min(1, 'must name at least one item'));

export const port = z.coerce.number().int().min(0).max(65535);
