import type { FastifyReply } from 'fastify';

/** One failing field or rule of an RFC 9457 problem. */
export interface ProblemError {
  /** JSON pointer to the failing member, e.g. `#/budget/requestedCents` (RFC 6901 fragment). */
  pointer?: string;
  /** Where the field was: body, query, params, headers; or `rule` for a business rule. */
  in?: 'body' | 'query' | 'params' | 'headers' | 'rule';
  /** Stable machine name of the field or rule, e.g. `label` or `window-open`. */
  name: string;
  detail: string;
}

/** RFC 9457 problem details, with one entry per failing field or rule in `errors`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: ProblemError[];
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const PROBLEM_BASE = 'https://aap.anct.gouv.fr/problems/';

/** An error a route throws to answer with a problem document (4xx, or 5xx when explicit). */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: ProblemError[],
  ) {
    super(detail ?? title);
    this.name = 'HttpProblem';
  }

  toProblem(instance?: string): Problem {
    return {
      type: `${PROBLEM_BASE}${this.slug}`,
      title: this.title,
      status: this.status,
      ...(this.detail ? { detail: this.detail } : {}),
      ...(instance ? { instance } : {}),
      ...(this.errors?.length ? { errors: this.errors } : {}),
    };
  }
}

/** The 400 of a request whose fields fail validation, naming each (the shape of every validation failure). */
export const invalidRequest = (errors: ProblemError[], detail = `${errors.length} field(s) failed validation`) =>
  new HttpProblem(400, 'validation', 'The request is invalid', detail, errors);
export const notFound = (what: string) => new HttpProblem(404, 'not-found', 'Not found', `${what} was not found`);
export const conflict = (detail: string, errors?: ProblemError[]) => new HttpProblem(409, 'conflict', 'Conflict', detail, errors);
export const unprocessable = (detail: string, errors: ProblemError[]) =>
  new HttpProblem(422, 'rule-violation', 'The request breaks one or more rules', detail, errors);

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
}
