import { describe, expect, it } from 'vitest';
import type { Viewer } from '../../server/auth/user-registry.ts';
import type { Role } from '../../server/db/schema.ts';
import {
  isTheParty,
  mayCopy,
  mayDecide,
  mayMakeRoom,
  mayPlayInRoom,
  mayRequest,
  maySeeRequest,
  maySeeRoom,
  maySupervise,
  roomCreateProblem,
  scopeProblem,
  windowProblem,
} from '../../server/policy/party-policy.ts';
import { mayExport, mayGiveOut } from '../../server/policy/policy.ts';

const viewer = (role: Role, over: Partial<Viewer> = {}): Viewer => ({ id: `u-${role}`, name: role, badge: role, role, unit: 'u1', clearances: [], ...over });
const mine = { unit: 'u1', partyUserId: 'u-party' };
const now = new Date('2024-05-01T10:00:00.000Z');
const approved = { state: 'approved' as const, windowFrom: '2024-05-01T09:00:00.000Z', windowUntil: '2024-05-01T11:00:00.000Z' };

describe('who acts on a party request', () => {
  it.each<[Role, boolean, boolean, boolean, boolean, boolean]>([
    // role, asks for self, asks on behalf, sees the unit's request, decides, supervises
    ['party', true, false, true, false, false],
    ['custodian', false, true, true, false, true],
    ['commander', false, true, true, false, false],
    ['agency_head', false, false, true, true, false],
    ['reviewer', false, false, false, false, false],
    ['auditor', false, false, false, false, false],
    ['admin', false, false, false, false, false],
    ['legal', false, false, false, false, false],
  ])('%s: asks for self %s, on behalf %s, sees %s, decides %s, supervises %s', (role, self, behalf, sees, decides, supervises) => {
    const v = viewer(role);
    expect(mayRequest(v, 'u1', false).allow).toBe(self);
    expect(mayRequest(v, 'u1', true).allow).toBe(behalf);
    expect(maySeeRequest(v, mine).allow).toBe(sees);
    expect(mayDecide(v, mine).allow).toBe(decides);
    expect(maySupervise(v, mine).allow).toBe(supervises);
  });

  it('keeps parties to their own requests and staff to their unit', () => {
    const other = viewer('party', { id: 'u-other' });
    expect(maySeeRequest(other, mine).allow).toBe(false);
    expect(mayMakeRoom(other, mine).allow).toBe(false);
    expect(maySeeRoom(other, mine).allow).toBe(false);
    expect(isTheParty(other, mine).allow).toBe(false);
    expect(isTheParty(viewer('party'), mine).allow).toBe(true);
    expect(isTheParty(viewer('custodian'), mine).allow).toBe(false);
    expect(mayRequest(viewer('party'), 'u2', false).allow).toBe(false);
    for (const role of ['custodian', 'commander', 'agency_head'] as const) {
      expect(maySeeRequest(viewer(role, { unit: 'u2' }), mine).allow).toBe(false);
      expect(mayDecide(viewer(role, { unit: 'u2' }), mine).allow).toBe(false);
    }
    expect(maySupervise(viewer('custodian', { unit: 'u2' }), mine).allow).toBe(false);
    expect(maySeeRoom(viewer('custodian'), mine).allow).toBe(true);
    expect(maySeeRoom(viewer('agency_head'), mine).allow).toBe(false);
  });
});

describe('the approval’s scope', () => {
  const ready = { recordingId: 'rec-1', state: 'ready' as const };
  it('puts a labelled recording in scope only as a ready redaction of it', () => {
    expect(scopeProblem({ recordingId: 'rec-1', confidentiality: 'privacy', redaction: null })).toBe('confidential_needs_redaction');
    expect(scopeProblem({ recordingId: 'rec-1', confidentiality: 'privacy', redaction: { ...ready, state: 'pending' } })).toBe('confidential_needs_redaction');
    expect(scopeProblem({ recordingId: 'rec-1', confidentiality: 'privacy', redaction: { ...ready, recordingId: 'rec-2' } })).toBe('confidential_needs_redaction');
    expect(scopeProblem({ recordingId: 'rec-1', confidentiality: 'privacy', redaction: ready })).toBeNull();
    expect(scopeProblem({ recordingId: 'rec-1', confidentiality: null, redaction: null })).toBeNull();
    expect(scopeProblem({ recordingId: 'rec-1', confidentiality: null, redaction: { ...ready, state: 'failed' } })).toBe('redaction_not_ready');
  });

  it('covers only its window', () => {
    expect(windowProblem(approved, now)).toBeNull();
    expect(windowProblem({ ...approved, state: 'pending' }, now)).toBe('request_not_approved');
    expect(windowProblem({ ...approved, state: 'refused' }, now)).toBe('request_not_approved');
    expect(windowProblem(approved, new Date('2024-05-01T08:59:59.999Z'))).toBe('window_not_open');
    expect(windowProblem(approved, new Date('2024-05-01T11:00:00.000Z'))).toBe('window_closed');
  });
});

describe('the viewing room', () => {
  it('is made once at a time, and no more often than the approved count', () => {
    const facts = { ...approved, maxViewings: 2, activeRooms: 0, viewingsUsed: 0 };
    expect(roomCreateProblem(facts, now)).toBeNull();
    expect(roomCreateProblem({ ...facts, activeRooms: 1 }, now)).toBe('room_active');
    expect(roomCreateProblem({ ...facts, viewingsUsed: 1 }, now)).toBeNull();
    expect(roomCreateProblem({ ...facts, viewingsUsed: 2 }, now)).toBe('viewings_used');
    expect(roomCreateProblem({ ...facts, state: 'pending' }, now)).toBe('request_not_approved');
    expect(roomCreateProblem(facts, new Date('2024-05-01T12:00:00.000Z'))).toBe('window_closed');
  });

  it('plays only while open, in the window, what is in scope, and labelled recordings only redacted', () => {
    const facts = { ...approved, roomState: 'open' as const, approved: true, redactionId: null, confidentiality: null, confidentialityAtDecision: null };
    expect(mayPlayInRoom(facts, now).allow).toBe(true);
    expect(mayPlayInRoom({ ...facts, roomState: 'waiting' }, now)).toEqual({ allow: false, reason: 'room_not_open' });
    expect(mayPlayInRoom({ ...facts, roomState: 'paused' }, now)).toEqual({ allow: false, reason: 'room_paused' });
    expect(mayPlayInRoom({ ...facts, roomState: 'ended' }, now)).toEqual({ allow: false, reason: 'room_ended' });
    expect(mayPlayInRoom(facts, new Date('2024-05-01T11:00:00.000Z'))).toEqual({ allow: false, reason: 'window_closed' });
    expect(mayPlayInRoom({ ...facts, approved: false }, now).allow).toBe(false);
    const labelled = { ...facts, confidentiality: 'trade_secret' as const, confidentialityAtDecision: 'trade_secret' as const };
    expect(mayPlayInRoom(labelled, now)).toEqual({ allow: false, reason: 'confidential_needs_redaction' });
    expect(mayPlayInRoom({ ...labelled, redactionId: 'red-1' }, now).allow).toBe(true);
  });

  it('plays nothing whose label was set, changed or lifted after the head decided', () => {
    const facts = { ...approved, roomState: 'open' as const, approved: true, redactionId: null, confidentiality: null, confidentialityAtDecision: null };
    const changed = { allow: false, reason: 'label_changed' };
    expect(mayPlayInRoom({ ...facts, confidentiality: 'privacy' }, now)).toEqual(changed);
    const redacted = { ...facts, redactionId: 'red-1', confidentiality: 'privacy' as const, confidentialityAtDecision: 'privacy' as const };
    expect(mayPlayInRoom(redacted, now).allow).toBe(true);
    expect(mayPlayInRoom({ ...redacted, confidentiality: 'state_secret' }, now)).toEqual(changed);
    expect(mayPlayInRoom({ ...redacted, confidentiality: null }, now)).toEqual(changed);
    // The room's and the window's state still come first.
    expect(mayPlayInRoom({ ...facts, confidentiality: 'privacy', roomState: 'paused' }, now)).toEqual({ allow: false, reason: 'room_paused' });
  });
});

describe('copies for a party', () => {
  const facts = { ...approved, kind: 'copy' as const, copyAllowed: true, approved: true, confidentiality: null, confidentialityAtDecision: null, redactionId: null };
  it('are given only under a copy approval that allows them, in its window', () => {
    expect(mayCopy(facts, now).allow).toBe(true);
    expect(mayCopy({ ...facts, copyAllowed: false }, now).allow).toBe(false);
    expect(mayCopy({ ...facts, kind: 'view' }, now).allow).toBe(false);
    expect(mayCopy({ ...facts, approved: false }, now).allow).toBe(false);
    expect(mayCopy(facts, new Date('2024-05-01T11:00:00.000Z')).allow).toBe(false);
    const labelled = { ...facts, confidentiality: 'privacy' as const, confidentialityAtDecision: 'privacy' as const };
    expect(mayCopy(labelled, now).allow).toBe(false);
    expect(mayCopy({ ...labelled, redactionId: 'red-1' }, now).allow).toBe(true);
  });

  it('are refused once the label differs from the one the head decided under', () => {
    const changed = { allow: false, reason: 'label_changed' };
    expect(mayCopy({ ...facts, confidentiality: 'trade_secret' }, now)).toEqual(changed);
    const redacted = { ...facts, redactionId: 'red-1', confidentiality: 'privacy' as const, confidentialityAtDecision: 'privacy' as const };
    expect(mayCopy({ ...redacted, confidentiality: 'trade_secret' }, now)).toEqual(changed);
    expect(mayCopy({ ...redacted, confidentiality: null }, now)).toEqual(changed);
  });

  it('leave the agency from a labelled recording only redacted', () => {
    expect(mayGiveOut('party_copy', { confidentiality: 'privacy' }, false).allow).toBe(false);
    expect(mayGiveOut('party_copy', { confidentiality: 'privacy' }, true).allow).toBe(true);
    const cleared = viewer('custodian', { clearances: ['privacy'] });
    expect(mayExport(cleared, { unit: 'u1', confidentiality: 'privacy' }, 'party_copy').allow).toBe(false);
    expect(mayExport(cleared, { unit: 'u1', confidentiality: 'privacy' }, 'party_copy', true).allow).toBe(true);
  });
});
