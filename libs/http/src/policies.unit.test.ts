import { describe, expect, it } from 'vitest';
import { ROLES, type Caller } from './auth';
import { HttpProblem } from './problem';
import { policies, ROLE_SETS } from './policies';

const applicantOfLyon: Caller = { userId: 'u-lyon', roles: ['applicant'], organisation: '216901231' };
const manager: Caller = { userId: 'u-pm', roles: ['programme-manager'] };
const applicantAndReviewer: Caller = { userId: 'u-both', roles: ['applicant', 'reviewer'], organisation: '216901231' };
const reviewer: Caller = { userId: 'u-rev', roles: ['reviewer'] };
const committee: Caller = { userId: 'u-com', roles: ['committee', 'reviewer'] };

function problemOf(work: () => void): HttpProblem {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(HttpProblem);
    return error as HttpProblem;
  }
  throw new Error('expected a problem, nothing was thrown');
}

describe('ROLE_SETS', () => {
  it('given every role, then staff is exactly every role but applicant, and readers are applicants plus staff', () => {
    expect([...ROLE_SETS.staff].sort()).toEqual(ROLES.filter((role) => role !== 'applicant').sort());
    expect([...ROLE_SETS.readers].sort()).toEqual([...ROLES].sort());
    expect(ROLE_SETS.managers).toEqual(['programme-manager', 'admin']);
    expect([...ROLE_SETS.applicantsAndOversight].sort()).toEqual(ROLES.filter((role) => role !== 'reviewer').sort());
  });
});

describe('policies.ownOrganisation', () => {
  it('given an applicant on its own organisation, when checking, then it passes', () => {
    expect(() => policies.ownOrganisation(applicantOfLyon, '216901231', 'Dossier d-1')).not.toThrow();
  });

  it('given an applicant on another organisation, when checking, then the same 404 as a missing resource', () => {
    const other = problemOf(() => policies.ownOrganisation(applicantOfLyon, '200046977', 'Dossier d-1'));
    const missing = problemOf(() => policies.ownOrganisation(applicantOfLyon, undefined, 'Dossier d-1'));
    expect(other.toProblem()).toEqual(missing.toProblem());
    expect(other.status).toBe(404);
    expect(other.detail).toBe('Dossier d-1 was not found');
  });

  it('given an oversight role, when checking any organisation, then it passes; a missing resource is still 404', () => {
    expect(() => policies.ownOrganisation(manager, '200046977', 'Dossier d-1')).not.toThrow();
    expect(problemOf(() => policies.ownOrganisation(manager, undefined, 'Dossier d-1')).status).toBe(404);
  });

  it('given a reviewer, when checking an organisation, then 404: a reviewer role grants no organisation (its own org claim neither)', () => {
    expect(() => policies.ownOrganisation(applicantAndReviewer, '216901231', 'Dossier d-1')).not.toThrow();
    expect(problemOf(() => policies.ownOrganisation(applicantAndReviewer, '200046977', 'Dossier d-1')).status).toBe(404);
    expect(problemOf(() => policies.ownOrganisation(reviewer, '200046977', 'Dossier d-1')).status).toBe(404);
    expect(problemOf(() => policies.ownOrganisation({ ...reviewer, organisation: '200046977' }, '200046977', 'Dossier d-1')).status).toBe(404);
  });
});

describe("policies.ownOrganisation: acting as the organisation, registering it", () => {
  const applicantAndAdmin: Caller = { userId: 'u-ops', roles: ['applicant', 'admin'], organisation: '216901231' };

  it('given the organisation its token names, when acting as it, then it passes', () => {
    expect(() => policies.ownOrganisation(applicantOfLyon, '216901231', 'Dossier d-1', 'act-as')).not.toThrow();
  });

  it('given another organisation, even with a staff role on the token, when acting as it, then the same 404 as a missing resource', () => {
    const missing = problemOf(() => policies.ownOrganisation(applicantOfLyon, undefined, 'Dossier d-1', 'act-as'));
    for (const caller of [applicantOfLyon, applicantAndAdmin, manager]) {
      const other = problemOf(() => policies.ownOrganisation(caller, '200046977', 'Dossier d-1', 'act-as'));
      expect(other.toProblem()).toEqual(missing.toProblem());
    }
  });

  it('given an applicant registering another organisation than its own, then 403 naming the organisation of its token; an oversight role registers any', () => {
    const refused = problemOf(() => policies.ownOrganisation(applicantOfLyon, '216902668', 'Organisation 216902668', 'register'));
    expect(refused.status).toBe(403);
    expect(refused.detail).toBe('your token is for organisation 216901231: an applicant can only register its own organisation, not 216902668');
    expect(() => policies.ownOrganisation(applicantOfLyon, '216901231', 'Organisation 216901231', 'register')).not.toThrow();
    expect(() => policies.ownOrganisation(manager, '216902668', 'Organisation 216902668', 'register')).not.toThrow();
    expect(problemOf(() => policies.ownOrganisation(reviewer, '216902668', 'Organisation 216902668', 'register')).status).toBe(403);
  });
});

describe('policies.organisationFilter', () => {
  it('given an applicant, then its organisation; given staff, then no restriction', () => {
    expect(policies.organisationFilter(applicantOfLyon)).toEqual({ organisationId: '216901231' });
    expect(policies.organisationFilter(applicantOfLyon, 'applicant.organisationId')).toEqual({ 'applicant.organisationId': '216901231' });
    expect(policies.organisationFilter(manager)).toEqual({});
  });

  it('given a reviewer without an applicant role, then a filter that matches no organisation', () => {
    expect(policies.organisationFilter(reviewer)).toEqual({ organisationId: '' });
    expect(policies.organisationFilter(applicantAndReviewer)).toEqual({ organisationId: '216901231' });
  });

  it('given roles, then isManager and isStaff follow the role sets', () => {
    expect(policies.isManager(manager)).toBe(true);
    expect(policies.isManager(applicantOfLyon)).toBe(false);
    expect(policies.isStaff(applicantAndReviewer)).toBe(true);
  });
});

describe('policies.readableDossier', () => {
  const submitted = { organisationId: '200046977', status: 'under-review' };
  const draft = { organisationId: '200046977', status: 'draft' };
  const assigned = async () => true;
  const notAssigned = async () => false;
  const answerOf = async (work: Promise<void>) =>
    work.then(
      () => 'readable',
      (error: unknown) => (error as HttpProblem).toProblem(),
    );
  const missing = () => answerOf(policies.readableDossier(reviewer, null, 'Dossier d-1', assigned));

  it('given an oversight role (also with reviewer), then every dossier, drafts included, without asking for an assignment', async () => {
    const never = async () => {
      throw new Error('the assignment must not be looked up');
    };
    expect(await answerOf(policies.readableDossier(manager, draft, 'Dossier d-1', never))).toBe('readable');
    expect(await answerOf(policies.readableDossier(committee, submitted, 'Dossier d-1', never))).toBe('readable');
  });

  it('given a reviewer assigned to a submitted dossier, then readable; not assigned, then the 404 of a missing dossier', async () => {
    expect(await answerOf(policies.readableDossier(reviewer, submitted, 'Dossier d-1', assigned))).toBe('readable');
    expect(await answerOf(policies.readableDossier(reviewer, submitted, 'Dossier d-1', notAssigned))).toEqual(await missing());
  });

  it('given a reviewer and a draft, then 404 even with an assignment', async () => {
    expect(await answerOf(policies.readableDossier(reviewer, draft, 'Dossier d-1', assigned))).toEqual(await missing());
  });

  it('given an applicant who is also a reviewer, then its own organisation’s dossiers, and another’s only when assigned', async () => {
    expect(await answerOf(policies.readableDossier(applicantAndReviewer, { ...draft, organisationId: '216901231' }, 'Dossier d-1', notAssigned))).toBe('readable');
    expect(await answerOf(policies.readableDossier(applicantAndReviewer, submitted, 'Dossier d-1', notAssigned))).toEqual(await missing());
    expect(await answerOf(policies.readableDossier(applicantAndReviewer, submitted, 'Dossier d-1', assigned))).toBe('readable');
    expect(await answerOf(policies.readableDossier(applicantOfLyon, submitted, 'Dossier d-1', assigned))).toEqual(await missing());
  });
});

describe('the call team rule (policies.onCallTeam, policies.teamRolesOn)', () => {
  const call = { team: { 'programme-manager': ['u-pm'], committee: ['u-com'], finance: ['u-fin'] } };
  const finance: Caller = { userId: 'u-fin', roles: ['finance'] };
  const admin: Caller = { userId: 'u-admin', roles: ['admin'] };
  const managerOfAnotherCall: Caller = { userId: 'manager-of-another-call', roles: ['programme-manager', 'committee', 'finance'] };

  it('given a caller on the team, then it holds the roles of its token the team names it under, and no other', () => {
    expect(policies.teamRolesOn(manager, call)).toEqual(['programme-manager']);
    // u-com is on the committee; its reviewer role is not a team role.
    expect(policies.teamRolesOn(committee, call)).toEqual(['committee']);
    // Named under a role its token does not carry: nothing.
    expect(policies.teamRolesOn({ userId: 'u-com', roles: ['finance'] }, call)).toEqual([]);
    expect(policies.teamRolesOn(managerOfAnotherCall, call)).toEqual([]);
  });

  it('given an admin, then every role of its token on every call (admins are global); given no call, then none', () => {
    expect(policies.teamRolesOn(admin, call)).toEqual(['admin']);
    expect(policies.teamRolesOn(admin, {})).toEqual(['admin']);
    expect(policies.teamRolesOn(manager, null)).toEqual([]);
  });

  it('given a team member, then it passes on its call, under the roles asked when some are', () => {
    expect(() => policies.onCallTeam(manager, call, 'Call c-1')).not.toThrow();
    expect(() => policies.onCallTeam(finance, call, 'Call c-1', ['finance'])).not.toThrow();
    expect(problemOf(() => policies.onCallTeam(finance, call, 'Call c-1', ['programme-manager'])).status).toBe(404);
    expect(() => policies.onCallTeam(admin, call, 'Call c-1', ['programme-manager'])).not.toThrow();
  });

  it('given a caller of another call’s team, a call without a team, or no call, then the 404 of a call that does not exist, naming what was asked', () => {
    const refused = problemOf(() => policies.onCallTeam(managerOfAnotherCall, call, 'Dossier d-1'));
    expect(refused.status).toBe(404);
    expect(refused.detail).toBe('Dossier d-1 was not found');
    expect(problemOf(() => policies.onCallTeam(manager, {}, 'Call c-0')).status).toBe(404);
    expect(() => policies.onCallTeam(admin, {}, 'Call c-0')).not.toThrow();
    expect(problemOf(() => policies.onCallTeam(admin, null, 'Call c-9')).detail).toBe('Call c-9 was not found');
  });
});
