import { describe, expect, it } from 'vitest';
import type { Viewer } from '../../server/auth/user-registry.ts';
import type { Role } from '../../server/db/schema.ts';
import { mayGrantAlone } from '../../server/policy/account-policy.ts';
import {
  mayAdminister,
  mayExport,
  mayGiveOut,
  mayKeep,
  mayLabel,
  mayListDevices,
  mayListLive,
  mayMarkNotice,
  mayReadAudit,
  mayReadJobs,
  mayReplay,
  maySeeDevice,
  mayWatchLive,
} from '../../server/policy/policy.ts';

const viewer = (role: Role, over: Partial<Viewer> = {}): Viewer => ({ id: `u-${role}`, name: role, badge: role, role, unit: 'u1', clearances: [], ...over });
const own = { unit: 'u1', confidentiality: null, sharedWithViewer: false, onViewersCase: false };

describe('the policy', () => {
  it.each<[Role, boolean, boolean, boolean, boolean]>([
    // role, live own unit, replay own unit (not shared), audit, administer
    ['commander', true, true, false, false],
    ['custodian', false, true, false, false],
    ['reviewer', false, false, false, false],
    ['auditor', false, false, true, false],
    ['admin', false, false, false, true],
    ['party', false, false, false, false],
    ['agency_head', false, false, false, false],
    ['legal', false, false, false, false],
  ])('%s: live %s, replay %s, audit %s, administer %s', (role, live, replay, audit, admin) => {
    const v = viewer(role);
    expect(mayWatchLive(v, 'u1').allow).toBe(live);
    expect(mayListLive(v).allow).toBe(live);
    expect(mayReplay(v, own).allow).toBe(replay);
    expect(mayReadAudit(v).allow).toBe(audit);
    expect(mayAdminister(v).allow).toBe(admin);
  });

  it('keeps units apart', () => {
    expect(mayWatchLive(viewer('commander'), 'u2')).toEqual({ allow: false, reason: 'device of another unit' });
    expect(mayReplay(viewer('commander'), { ...own, unit: 'u2' }).allow).toBe(false);
    expect(mayReplay(viewer('custodian'), { ...own, unit: 'u2' }).allow).toBe(false);
    expect(mayKeep(viewer('custodian'), { unit: 'u2' }).allow).toBe(false);
    expect(mayKeep(viewer('custodian'), { unit: 'u1' }).allow).toBe(true);
    expect(mayKeep(viewer('commander'), { unit: 'u1' }).allow).toBe(false);
  });

  it.each<[Role, boolean, boolean]>([
    // role, follows jobs of its unit's recording, of another unit's
    ['commander', true, false],
    ['custodian', true, false],
    ['auditor', true, true],
    ['reviewer', false, false],
    ['admin', false, false],
    ['party', false, false],
    ['agency_head', false, false],
    ['legal', false, false],
  ])('%s: follows jobs of its unit’s recordings %s, of another unit’s %s', (role, ownUnit, otherUnit) => {
    expect(mayReadJobs(viewer(role), own).allow).toBe(ownUnit);
    expect(mayReadJobs(viewer(role), { ...own, unit: 'u2' }).allow).toBe(otherUnit);
    expect(mayReadJobs(viewer(role, { clearances: [] }), { ...own, confidentiality: 'privacy' }).allow).toBe(role === 'auditor');
  });

  it('lets a reviewer replay only what was shared, in any unit', () => {
    expect(mayReplay(viewer('reviewer'), { ...own, unit: 'u9', sharedWithViewer: true }).allow).toBe(true);
    expect(mayReplay(viewer('reviewer'), { ...own, unit: 'u9', onViewersCase: true }).allow).toBe(true);
    expect(mayReplay(viewer('reviewer'), { ...own, sharedWithViewer: false }).allow).toBe(false);
  });

  it('requires the matching clearance for a labelled recording, whatever the role', () => {
    const secret = { ...own, confidentiality: 'state_secret' as const, sharedWithViewer: true };
    expect(mayReplay(viewer('commander'), secret)).toEqual({ allow: false, reason: 'no state_secret clearance' });
    expect(mayReplay(viewer('commander', { clearances: ['privacy'] }), secret).allow).toBe(false);
    expect(mayReplay(viewer('commander', { clearances: ['state_secret'] }), secret).allow).toBe(true);
    expect(mayReplay(viewer('reviewer', { clearances: ['state_secret'] }), secret).allow).toBe(true);
  });

  it.each<[Role, boolean, boolean, boolean]>([
    // role, lists devices, sees a device of its unit, sees a device of another unit
    ['admin', true, true, true],
    ['custodian', true, true, true],
    ['commander', true, true, false],
    ['reviewer', false, false, false],
    ['auditor', false, false, false],
    ['party', false, false, false],
    ['agency_head', false, false, false],
    ['legal', false, false, false],
  ])('%s: lists devices %s, sees its unit’s %s, another unit’s %s', (role, list, ownUnit, otherUnit) => {
    const v = viewer(role);
    expect(mayListDevices(v).allow).toBe(list);
    expect(maySeeDevice(v, 'u1').allow).toBe(ownUnit);
    expect(maySeeDevice(v, 'u2').allow).toBe(otherUnit);
  });

  it('lets the officer wearing a bodycam, or a commander of its unit, mark the notice', () => {
    const bodycam = { officerBadge: '10086', unit: 'u1' };
    expect(mayMarkNotice(viewer('reviewer', { badge: '10086' }), bodycam).allow).toBe(true);
    expect(mayMarkNotice(viewer('reviewer', { badge: '10087' }), bodycam)).toEqual({ allow: false, reason: 'not the officer assigned to this device' });
    expect(mayMarkNotice(viewer('commander'), bodycam).allow).toBe(true);
    expect(mayMarkNotice(viewer('commander', { unit: 'u2' }), bodycam)).toEqual({ allow: false, reason: 'device of another unit' });
    expect(mayMarkNotice(viewer('custodian'), bodycam).allow).toBe(false);
    expect(mayMarkNotice(viewer('admin'), bodycam).allow).toBe(false);
    expect(mayMarkNotice(viewer('reviewer', { badge: '10086' }), { officerBadge: null, unit: 'u1' }).allow).toBe(false);
  });

  it.each<[Role, boolean]>([
    ['custodian', true],
    ['commander', false],
    ['reviewer', false],
    ['auditor', false],
    ['admin', false],
    ['party', false],
    ['agency_head', false],
    ['legal', false],
  ])('%s: makes exports of its unit’s recordings %s', (role, allowed) => {
    expect(mayExport(viewer(role), own, 'package').allow).toBe(allowed);
    expect(mayExport(viewer(role), own, 'party_copy').allow).toBe(allowed);
  });

  it('lets a custodian export only its own unit’s recordings, and labelled ones only with clearance', () => {
    expect(mayExport(viewer('custodian'), { unit: 'u2', confidentiality: null }, 'package')).toEqual({ allow: false, reason: 'recording of another unit' });
    expect(mayExport(viewer('custodian'), { unit: 'u1', confidentiality: 'privacy' }, 'package')).toEqual({ allow: false, reason: 'no privacy clearance' });
    expect(mayExport(viewer('custodian', { clearances: ['privacy'] }), { unit: 'u1', confidentiality: 'privacy' }, 'package').allow).toBe(true);
  });

  it('never copies a labelled recording for a party, whoever asks (001 §36)', () => {
    const cleared = viewer('custodian', { clearances: ['trade_secret'] });
    expect(mayExport(cleared, { unit: 'u1', confidentiality: 'trade_secret' }, 'party_copy')).toEqual({ allow: false, reason: 'a trade_secret recording is not copied for a party' });
    expect(mayGiveOut('party_copy', { confidentiality: 'state_secret' }).allow).toBe(false);
    expect(mayGiveOut('party_copy', { confidentiality: null }).allow).toBe(true);
    expect(mayGiveOut('package', { confidentiality: 'state_secret' }).allow).toBe(true);
  });

  it('changes or clears a label only with the clearance of the label taken off and of the one put on', () => {
    const labelled = { unit: 'u1', confidentiality: 'privacy' as const };
    expect(mayLabel(viewer('custodian'), labelled, null)).toEqual({ allow: false, reason: 'no privacy clearance' });
    expect(mayLabel(viewer('custodian'), { unit: 'u1', confidentiality: null }, 'trade_secret')).toEqual({ allow: false, reason: 'no trade_secret clearance' });
    expect(mayLabel(viewer('custodian', { clearances: ['privacy'] }), labelled, 'state_secret')).toEqual({ allow: false, reason: 'no state_secret clearance' });
    expect(mayLabel(viewer('custodian', { clearances: ['privacy', 'state_secret'] }), labelled, 'state_secret').allow).toBe(true);
    expect(mayLabel(viewer('custodian', { clearances: ['privacy'] }), labelled, null).allow).toBe(true);
    expect(mayLabel(viewer('custodian'), { unit: 'u1', confidentiality: null }, null).allow).toBe(true);
    // Clearance does not make a keeper: the custodian's act, of their own unit.
    expect(mayLabel(viewer('commander', { clearances: ['privacy'] }), labelled, null).allow).toBe(false);
    expect(mayLabel(viewer('custodian', { clearances: ['privacy'] }), { ...labelled, unit: 'u2' }, null).allow).toBe(false);
  });

  it.each<[Role, boolean]>([
    ['commander', false],
    ['custodian', false],
    ['reviewer', false],
    ['party', false],
    ['agency_head', false],
    ['admin', true],
    ['auditor', false],
    ['security_officer', false],
    ['legal', true],
  ])('an administrator alone grants role %s: %s, and no clearance', (role, alone) => {
    expect(mayGrantAlone({ role, clearances: [] }).allow).toBe(alone);
    expect(mayGrantAlone({ role, clearances: ['privacy'] }).allow).toBe(false);
  });
});
