import { describe, expect, it } from 'vitest';
import type { Viewer } from '../../server/auth/user-registry.ts';
import type { Role } from '../../server/db/schema.ts';
import type { Decision } from '../../server/policy/policy.ts';
import { mayReadRedactions, mayRedact } from '../../server/policy/redaction-policy.ts';

const viewer = (role: Role, over: Partial<Viewer> = {}): Viewer => ({ id: `u-${role}`, name: role, badge: role, role, unit: 'u1', clearances: [], ...over });
const own = { unit: 'u1', confidentiality: null };
const replays: Decision = { allow: true };
const noReplay: Decision = { allow: false, reason: 'recording neither shared with this reviewer nor on their case' };

describe('who redacts', () => {
  it.each<[Role, boolean, boolean, boolean]>([
    // role, redacts own unit's recording when replay is allowed, when it is not, reads the redactions (replay allowed)
    ['custodian', true, true, true],
    ['reviewer', true, false, true],
    ['agency_head', false, false, true],
    ['commander', false, false, false],
    ['auditor', false, false, false],
    ['admin', false, false, false],
    ['party', false, false, false],
    ['legal', false, false, false],
  ])('%s: redacts %s, without replay %s, reads %s', (role, redacts, withoutReplay, reads) => {
    expect(mayRedact(viewer(role), own, replays).allow).toBe(redacts);
    expect(mayRedact(viewer(role), own, noReplay).allow).toBe(withoutReplay);
    expect(mayReadRedactions(viewer(role), own, replays).allow).toBe(reads);
  });

  it('gives a reviewer the replay decision’s reason when they may not replay', () => {
    expect(mayRedact(viewer('reviewer'), own, noReplay)).toEqual(noReplay);
  });

  it('keeps units apart for custodians and agency heads', () => {
    expect(mayRedact(viewer('custodian'), { ...own, unit: 'u2' }, replays)).toEqual({ allow: false, reason: 'recording of another unit' });
    expect(mayReadRedactions(viewer('agency_head'), { ...own, unit: 'u2' }, replays).allow).toBe(false);
  });

  it('needs the clearance of a labelled recording to redact it, whatever the role', () => {
    const secret = { unit: 'u1', confidentiality: 'privacy' as const };
    expect(mayRedact(viewer('custodian'), secret, replays)).toEqual({ allow: false, reason: 'no privacy clearance' });
    expect(mayRedact(viewer('reviewer'), secret, replays).allow).toBe(false);
    expect(mayRedact(viewer('custodian', { clearances: ['privacy'] }), secret, replays).allow).toBe(true);
    expect(mayRedact(viewer('custodian', { clearances: ['trade_secret'] }), secret, replays).allow).toBe(false);
    // The agency head chooses a redaction for a party; the marks are no media of the recording.
    expect(mayReadRedactions(viewer('agency_head'), secret, noReplay).allow).toBe(true);
  });
});
