import { describe, expect, it } from 'vitest';
import type { Viewer } from '../../server/auth/user-registry.ts';
import { ROLES, type Role } from '../../server/db/schema.ts';
import { mayChangeAlone, mayDecideGrant, mayManageAccount, mayReadAccounts } from '../../server/policy/account-policy.ts';

const viewer = (role: Role): Viewer => ({ id: `u-${role}`, name: role, badge: role, role, unit: 'u1', clearances: [] });

describe('account policy (三员分立)', () => {
  it.each(ROLES)('%s: reads accounts, manages them, decides grants', (role) => {
    const v = viewer(role);
    expect(mayReadAccounts(v).allow).toBe(['admin', 'security_officer', 'auditor'].includes(role));
    expect(mayManageAccount(v, 'someone').allow).toBe(role === 'admin');
    expect(mayDecideGrant(v, { userId: 'someone', proposedBy: 'user:admin' }).allow).toBe(role === 'security_officer');
  });

  it('lets nobody act on their own account or decide their own proposal', () => {
    expect(mayManageAccount(viewer('admin'), 'u-admin').allow).toBe(false);
    const officer = viewer('security_officer');
    expect(mayDecideGrant(officer, { userId: 'u-security_officer', proposedBy: 'user:u-admin' }).allow).toBe(false);
    expect(mayDecideGrant(officer, { userId: 'someone', proposedBy: 'user:u-security_officer' }).allow).toBe(false);
  });

  it('lets the admin take away alone, never give', () => {
    const custodian = { role: 'custodian' as const, clearances: ['privacy', 'trade_secret'] as const };
    expect(mayChangeAlone(custodian, { role: 'custodian', clearances: ['privacy'] }).allow).toBe(true);
    expect(mayChangeAlone(custodian, { role: 'legal', clearances: [] }).allow).toBe(true);
    expect(mayChangeAlone(custodian, { role: 'custodian', clearances: ['privacy', 'state_secret'] }).allow).toBe(false);
    expect(mayChangeAlone({ role: 'legal', clearances: [] }, { role: 'reviewer', clearances: [] }).allow).toBe(false);
    expect(mayChangeAlone({ role: 'legal', clearances: [] }, { role: 'security_officer', clearances: [] }).allow).toBe(false);
    expect(mayChangeAlone({ role: 'legal', clearances: [] }, { role: 'admin', clearances: [] }).allow).toBe(true);
  });
});
