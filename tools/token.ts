/**
 * npm run token -- <role>[,<role>…] [--org <SIREN|SIRET>] [--sub <user id>] [--ttl 8h]
 * Prints a JWT (HS256, signed with AUTH_JWT_SECRET, else the development secret that only services in
 * AAP_DEV_MODE=true accept) carrying exp: services refuse tokens living longer than
 * AUTH_MAX_TOKEN_LIFETIME_SECONDS (12 h by default). For curl:
 *   curl -H "Authorization: Bearer $(npm run -s token -- applicant --org 216901231)" …
 */
import { parseArgs } from 'node:util';
import { mintDevelopmentToken, ROLES, type Role } from '@aap/http';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { org: { type: 'string' }, sub: { type: 'string' }, ttl: { type: 'string', default: '8h' }, name: { type: 'string' }, email: { type: 'string' } },
});

const roles = (positionals[0] ?? '').split(',').filter(Boolean);
const unknown = roles.filter((role) => !(ROLES as readonly string[]).includes(role));
if (roles.length === 0 || unknown.length > 0) {
  console.error(`usage: npm run token -- <role>[,<role>] [--org SIREN|SIRET] [--sub id] [--ttl 8h]\nroles: ${ROLES.join(', ')}${unknown.length ? `\nunknown: ${unknown.join(', ')}` : ''}`);
  process.exit(2);
}
if (roles.includes('applicant') && !values.org) {
  console.error('an applicant token needs --org <SIREN or SIRET of the organisation>');
  process.exit(2);
}

const token = await mintDevelopmentToken(
  { sub: values.sub ?? `dev-${roles[0]}`, roles: roles as Role[], org: values.org, name: values.name, email: values.email },
  { secret: process.env.AUTH_JWT_SECRET, expiresIn: values.ttl },
);
console.log(token);
