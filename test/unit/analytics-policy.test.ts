import { describe, expect, it } from 'vitest';
import type { Viewer } from '../../server/auth/user-registry.ts';
import type { Role } from '../../server/db/schema.ts';
import { defaultAnalyticsUnit, mayReadAnalytics } from '../../server/policy/analytics-policy.ts';

const viewer = (role: Role): Viewer => ({ id: `u-${role}`, name: role, badge: role, role, unit: 'u1', clearances: ['state_secret', 'trade_secret', 'privacy'] });

describe('who reads the compliance analytics', () => {
  it.each<[Role, boolean, boolean, boolean]>([
    // role, own unit, another unit, every unit
    ['agency_head', true, false, false],
    ['legal', true, false, false],
    ['auditor', true, true, true],
    ['commander', false, false, false],
    ['custodian', false, false, false],
    ['reviewer', false, false, false],
    ['admin', false, false, false],
    ['party', false, false, false],
  ])('%s: own unit %s, another unit %s, every unit %s', (role, own, other, every) => {
    const v = viewer(role);
    expect(mayReadAnalytics(v, 'u1').allow).toBe(own);
    expect(mayReadAnalytics(v, 'u2').allow).toBe(other);
    expect(mayReadAnalytics(v, null).allow).toBe(every);
  });

  it('gives a reason for the audit log when it refuses', () => {
    expect(mayReadAnalytics(viewer('agency_head'), 'u2')).toEqual({ allow: false, reason: 'analytics of another unit' });
    expect(mayReadAnalytics(viewer('commander'), 'u1')).toEqual({ allow: false, reason: 'role commander does not read analytics' });
  });

  it('covers every unit for an auditor and the own unit for anyone else when no unit is asked for', () => {
    expect(defaultAnalyticsUnit(viewer('auditor'))).toBeNull();
    expect(defaultAnalyticsUnit(viewer('agency_head'))).toBe('u1');
    expect(defaultAnalyticsUnit(viewer('legal'))).toBe('u1');
  });
});
