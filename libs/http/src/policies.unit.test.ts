import { describe, expect, it } from 'vitest';
import { ROLES, type Caller } from './auth';
import { HttpProblem } from './problem';
import { policies, ROLE_SETS } from './policies';

const applicantOfLyon: Caller = { userId: 'u-lyon', roles: ['applicant'], organisation: '216901231' };
const manager: Caller = { userId: 'u-pm', roles: ['programme-manager'] };
const applicantAndReviewer: Caller = { userId: 'u-both', roles: ['applicant', 'reviewer'], organisation: '216901231' };

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

  it('given staff, when checking any organisation, then it passes; a missing resource is still 404', () => {
    expect(() => policies.ownOrganisation(manager, '200046977', 'Dossier d-1')).not.toThrow();
    expect(() => policies.ownOrganisation(applicantAndReviewer, '200046977', 'Dossier d-1')).not.toThrow();
    expect(problemOf(() => policies.ownOrganisation(manager, undefined, 'Dossier d-1')).status).toBe(404);
  });
});

describe('policies.organisationFilter', () => {
  it('given an applicant, then its organisation; given staff, then no restriction', () => {
    expect(policies.organisationFilter(applicantOfLyon)).toEqual({ organisationId: '216901231' });
    expect(policies.organisationFilter(applicantOfLyon, 'applicant.organisationId')).toEqual({ 'applicant.organisationId': '216901231' });
    expect(policies.organisationFilter(manager)).toEqual({});
  });

  it('given roles, then isManager and isStaff follow the role sets', () => {
    expect(policies.isManager(manager)).toBe(true);
    expect(policies.isManager(applicantOfLyon)).toBe(false);
    expect(policies.isStaff(applicantAndReviewer)).toBe(true);
  });
});
