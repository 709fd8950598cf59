import { describe, expect, it } from 'vitest';
import { OrganisationContactsUpdated, OrganisationRegistered } from '@aap/contracts';
import { registerOrganisation, replaceContacts, type Organisation, type OrganisationDecision } from './organisation';
import { registrationInput, type RegistrationInput } from './registration';

const contacts = [{ name: 'Camille Martin', email: 'camille.martin@example.fr', role: 'chargée de mission' }];
const input = (fields: Record<string, unknown>) => registrationInput.parse({ contacts, ...fields }) as RegistrationInput;

function acceptedOf(decision: OrganisationDecision) {
  if (decision.outcome !== 'accepted') throw new Error(`expected an accepted decision, got ${JSON.stringify(decision)}`);
  return decision;
}

const lyon: Organisation = {
  organisationId: '216901231',
  siren: '216901231',
  name: 'Lyon',
  kind: 'commune',
  territory: { communeCode: '69123', departements: ['69'], regions: ['84'] },
  contacts,
  version: 4,
};

describe('registerOrganisation', () => {
  it('given the SIREN of Lyon as a commune, when it registers, then it is version 1 and organisation.registered carries its applicant snapshot', () => {
    const { state, events } = acceptedOf(registerOrganisation(input({ kind: 'commune', siren: '216901231' })));
    expect(state).toMatchObject({ organisationId: '216901231', name: 'Lyon', version: 1 });
    expect(events).toEqual([
      {
        definition: OrganisationRegistered,
        data: { organisation: { organisationId: '216901231', name: 'Lyon', kind: 'commune', territory: lyon.territory, contacts } },
      },
    ]);
  });

  it('given a mistyped SIREN and an unknown groupement member, when it registers, then both rules are refused at once and nothing is emitted', () => {
    const decision = registerOrganisation(input({ kind: 'epci', siren: '200046978', groupement: { memberSirens: ['123456782'] } }));
    expect(decision.outcome).toBe('refused');
    expect(decision.outcome === 'refused' && decision.violations.map((v) => v.name)).toEqual(['siren-checksum', 'groupement-member-unknown']);
  });
});

describe('replaceContacts', () => {
  it('given a registered organisation, when its contacts are replaced, then the version moves on and organisation.contacts-updated carries the new contacts', () => {
    const next = [{ name: 'Sacha Petit', email: 'sacha.petit@example.fr' }];
    const { state, events } = acceptedOf(replaceContacts(lyon, next));
    expect(state).toEqual({ ...lyon, contacts: next, version: 5 });
    expect(events).toHaveLength(1);
    expect(events[0]!.definition).toBe(OrganisationContactsUpdated);
    expect(events[0]!.data).toMatchObject({ organisation: { organisationId: '216901231', contacts: next } });
  });
});
