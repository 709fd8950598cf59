import { z } from 'zod';

/** Text a person types (a reason, a supplier, a reference): trimmed, not empty, bounded, without NUL (PostgreSQL refuses it). */
export const typedText = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^[^\u0000]*$/, 'no NUL character');
