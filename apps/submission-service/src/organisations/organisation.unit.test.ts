import { describe, expect, it } from 'vitest';
import { decider, thenOf } from '@aap/test-harness/decider-spec';
import { OrganisationContactsUpdated, OrganisationRegistered } from '@aap/contracts';
import { registerOrganisation, replaceContacts, type Organisation } from './organisation';
import { registrationInput, type RegistrationInput } from './registration';

const contacts = [{ name: 'Camille Martin', email: 'camille.martin@example.fr', role: 'chargée de mission' }];
const input = (fields: Record<string, unknown>) => registrationInput.parse({ contacts, ...fields }) as RegistrationInput;
const NOW = new Date('2026-03-02T09:00:00.000Z');
const LATER = new Date('2026-03-09T09:00:00.000Z');

const lyon: Organisation = {
  organisationId: '216901231',
  siren: '216901231',
  name: 'Lyon',
  kind: 'commune',
  territory: { communeCode: '69123', departements: ['69'], regions: ['84'] },
  contacts,
  version: 4,
  registeredAt: NOW,
  registeredBy: 'agent-lyon',
  updatedAt: NOW,
};

describe('registerOrganisation', () => {
  it('given the SIREN of Lyon as a commune, when it registers, then it is version 1 and organisation.registered carries its applicant snapshot', () => {
    thenOf(registerOrganisation(input({ kind: 'commune', siren: '216901231' }), { by: 'agent-lyon' }, NOW))
      .thenState({ organisationId: '216901231', name: 'Lyon', version: 1, registeredAt: NOW, registeredBy: 'agent-lyon', updatedAt: NOW })
      .then({
        definition: OrganisationRegistered,
        data: { organisation: { organisationId: '216901231', name: 'Lyon', kind: 'commune', territory: lyon.territory, contacts } },
      });
  });

  it('given a mistyped SIREN and an unknown groupement member, when it registers, then both rules are refused at once and nothing is emitted', () => {
    const spec = thenOf(registerOrganisation(input({ kind: 'epci', siren: '200046978', groupement: { memberSirens: ['123456782'] } }), { by: 'agent' }, NOW));
    spec.thenRefused('siren-checksum', 'groupement-member-unknown');
    expect(spec.decision.outcome === 'refused' && spec.decision.violations.map((v) => v.name)).toEqual(['siren-checksum', 'groupement-member-unknown']);
  });
});

describe('replaceContacts', () => {
  it('given a registered organisation, when its contacts are replaced, then organisation.contacts-updated carries the new contacts (the store moves the version on)', () => {
    const next = [{ name: 'Sacha Petit', email: 'sacha.petit@example.fr' }];
    const spec = decider(replaceContacts)
      .given(lyon)
      .when(next, LATER)
      .then({ definition: OrganisationContactsUpdated, data: { organisation: { organisationId: '216901231', contacts: next } } });
    expect(spec.decision).toMatchObject({ state: { ...lyon, contacts: next, updatedAt: LATER } });
    expect(spec.decision.outcome === 'accepted' && spec.decision.state).toEqual({ ...lyon, contacts: next, updatedAt: LATER });
  });
});
