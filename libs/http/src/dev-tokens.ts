import { SignJWT } from 'jose';
import { DEVELOPMENT_JWT_SECRET, type Role } from './auth';

export { DEVELOPMENT_JWT_SECRET };

/** Mints a development token (HS256). Production tokens come from the OIDC provider. */
export async function mintDevelopmentToken(
  claims: { sub: string; roles: Role[]; org?: string; name?: string; email?: string },
  options: { secret?: string; expiresIn?: string; issuer?: string; audience?: string } = {},
): Promise<string> {
  let jwt = new SignJWT({ roles: claims.roles, ...(claims.org ? { org: claims.org } : {}), ...(claims.name ? { name: claims.name } : {}), ...(claims.email ? { email: claims.email } : {}) })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '8h');
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(options.secret ?? DEVELOPMENT_JWT_SECRET));
}
