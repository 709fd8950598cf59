import { describe, expect, it } from 'vitest';
import { registrationInput, resolveRegistration, type RegistrationInput } from './registration';

const contacts = [{ name: 'Camille Martin', email: 'camille.martin@example.fr', role: 'chargée de mission' }];
const resolve = (input: Record<string, unknown>) => resolveRegistration(registrationInput.parse({ contacts, ...input }) as RegistrationInput);
const refusalsOf = (input: Record<string, unknown>) => resolve(input).violations?.map(({ name, pointer }) => ({ name, pointer }));
const detailOf = (input: Record<string, unknown>) => resolve(input).violations?.[0]?.detail;

/** Checksum-valid, but no commune or EPCI has it. */
const SIREN_OUTSIDE_DATA = '123456782';

describe('registering a collectivité: name, kind and territory come from the official geography', () => {
  it('given the SIREN of Lyon as a commune, then the commune is resolved with its INSEE code, département and région', () => {
    expect(resolve({ kind: 'commune', siren: '216901231' }).organisation).toEqual({
      organisationId: '216901231',
      siren: '216901231',
      name: 'Lyon',
      kind: 'commune',
      territory: { communeCode: '69123', departements: ['69'], regions: ['84'] },
      contacts,
    });
  });

  it('given an EPCI and a métropole, then each is resolved with the territory of its member communes', () => {
    expect(resolve({ kind: 'epci', siren: '200035129' }).organisation).toMatchObject({
      name: 'CC de Cèze Cévennes',
      kind: 'epci',
      territory: { departements: ['07', '30'], regions: ['76', '84'] },
    });
    expect(resolve({ kind: 'metropole', siren: '200046977' }).organisation).toMatchObject({
      name: 'Métropole de Lyon',
      territory: { departements: ['69'], regions: ['84'] },
    });
  });

  it('given a département or a région by its code and its SIREN, then its name and territory come from the data', () => {
    expect(resolve({ kind: 'departement', siren: '226900017', departementCode: '69' }).organisation).toMatchObject({
      organisationId: '226900017',
      name: 'Rhône',
      territory: { departements: ['69'], regions: ['84'] },
    });
    const region = resolve({ kind: 'region', siren: '200053767', regionCode: '84' }).organisation;
    expect(region).toMatchObject({ name: 'Auvergne-Rhône-Alpes', territory: { regions: ['84'] } });
    expect(region?.territory.departements).toEqual(['01', '03', '07', '15', '26', '38', '42', '43', '63', '69', '73', '74']);
  });

  it('given a syndicat mixte (not in the data), then its typed name is kept and its territory comes from its département', () => {
    expect(resolve({ kind: 'syndicat-mixte', siren: SIREN_OUTSIDE_DATA, name: 'Syndicat mixte du numérique', departementCode: '2A' }).organisation).toMatchObject({
      name: 'Syndicat mixte du numérique',
      territory: { departements: ['2A'], regions: ['94'] },
    });
  });

  it('given a SIREN failing its checksum, then it is refused as such, whatever the kind', () => {
    expect(refusalsOf({ kind: 'commune', siren: '216901232' })).toEqual([{ name: 'siren-checksum', pointer: '#/siren' }]);
    expect(refusalsOf({ kind: 'region', siren: '200053768', regionCode: '84' })).toEqual([{ name: 'siren-checksum', pointer: '#/siren' }]);
  });

  it('given a valid SIREN that no commune or EPCI has, then it is refused as not in the geography', () => {
    expect(refusalsOf({ kind: 'commune', siren: SIREN_OUTSIDE_DATA })).toEqual([{ name: 'siren-not-in-geography', pointer: '#/siren' }]);
    expect(detailOf({ kind: 'epci', siren: SIREN_OUTSIDE_DATA })).toContain('is not an EPCI of the official geography');
  });

  it('given a SIREN of another kind, then the refusal says what it is and which kind to use', () => {
    expect(refusalsOf({ kind: 'commune', siren: '200046977' })).toEqual([{ name: 'kind-mismatch', pointer: '#/siren' }]);
    expect(detailOf({ kind: 'commune', siren: '200046977' })).toBe('SIREN 200046977 is the métropole «Métropole de Lyon», not a commune: register it with kind "metropole"');
    expect(detailOf({ kind: 'metropole', siren: '200000172' })).toBe('SIREN 200000172 is the EPCI «CC Faucigny - Glières», not a métropole: register it with kind "epci"');
    expect(detailOf({ kind: 'epci', siren: '216901231' })).toBe('SIREN 216901231 is the commune «Lyon» (INSEE 69123), not an EPCI: register it with kind "commune"');
    expect(refusalsOf({ kind: 'departement', siren: '216901231', departementCode: '69' })).toEqual([{ name: 'kind-mismatch', pointer: '#/siren' }]);
  });

  it('given an unknown département or région code, then it is refused, together with a bad SIREN', () => {
    expect(refusalsOf({ kind: 'departement', siren: '226900018', departementCode: '99' })).toEqual([
      { name: 'siren-checksum', pointer: '#/siren' },
      { name: 'unknown-departement', pointer: '#/departementCode' },
    ]);
    expect(refusalsOf({ kind: 'region', siren: '200053767', regionCode: '99' })).toEqual([{ name: 'unknown-region', pointer: '#/regionCode' }]);
  });
});

describe('registering a tiers-lieu: territory from its address commune', () => {
  const association = { kind: 'association', siret: '12345678200010', name: 'La Fabrique du Vieux-Lyon', legalForm: 'Association déclarée', rna: 'W691234567', communeCode: '69123' };

  it('given a valid SIRET, RNA and INSEE code, then its territory comes from the commune', () => {
    expect(resolve(association).organisation).toEqual({
      organisationId: '12345678200010',
      siren: '123456782',
      siret: '12345678200010',
      name: 'La Fabrique du Vieux-Lyon',
      kind: 'association',
      legalForm: 'Association déclarée',
      rna: 'W691234567',
      territory: { communeCode: '69123', departements: ['69'], regions: ['84'] },
      contacts,
    });
  });

  it('given a SIRET failing its checksum, an unknown commune and an RNA on a company, then every rule is reported', () => {
    expect(refusalsOf({ ...association, kind: 'company', siret: '12345678200011', communeCode: '99999' })).toEqual([
      { name: 'siret-checksum', pointer: '#/siret' },
      { name: 'unknown-commune', pointer: '#/communeCode' },
      { name: 'rna-association-only', pointer: '#/rna' },
    ]);
  });

  it('given a postcode instead of an INSEE code, then the refusal names the commune and its INSEE code', () => {
    expect(detailOf({ ...association, communeCode: '75001' })).toBe(
      '75001 is not the INSEE code of a current commune of the official geography: 75001 is the postcode of Paris (INSEE 75056); give the INSEE code, not the postcode',
    );
  });

  it('given a malformed RNA, then the input itself is invalid (a 400, before any rule)', () => {
    expect(registrationInput.safeParse({ ...association, contacts, rna: 'W69123456' }).success).toBe(false);
  });
});

describe('groupements: a lead organisation and member communes or EPCI', () => {
  it('given members found in the data, then they are kept once each, in the order given', () => {
    const groupement = { memberSirens: ['216902668', '200000172', '216902668'] };
    expect(resolve({ kind: 'commune', siren: '216901231', groupement }).organisation?.groupementMemberSirens).toEqual(['216902668', '200000172']);
  });

  it('given unknown members and the lead itself among them, then each is refused with its position', () => {
    const groupement = { memberSirens: ['216902668', SIREN_OUTSIDE_DATA, '216901231', '216902669'] };
    expect(refusalsOf({ kind: 'commune', siren: '216901231', groupement })).toEqual([
      { name: 'groupement-member-unknown', pointer: '#/groupement/memberSirens/1' },
      { name: 'groupement-member-is-lead', pointer: '#/groupement/memberSirens/2' },
      { name: 'groupement-member-unknown', pointer: '#/groupement/memberSirens/3' },
    ]);
  });

  it('given no member at all, then the input itself is invalid', () => {
    expect(registrationInput.safeParse({ kind: 'commune', siren: '216901231', contacts, groupement: { memberSirens: [] } }).success).toBe(false);
  });
});

describe('contacts', () => {
  it('given none, more than 10 or an invalid e-mail, then the input is invalid', () => {
    const commune = { kind: 'commune', siren: '216901231' };
    expect(registrationInput.safeParse({ ...commune, contacts: [] }).success).toBe(false);
    expect(registrationInput.safeParse({ ...commune, contacts: Array.from({ length: 11 }, () => contacts[0]) }).success).toBe(false);
    expect(registrationInput.safeParse({ ...commune, contacts: [{ name: 'X', email: 'not-an-email' }] }).success).toBe(false);
  });
});
