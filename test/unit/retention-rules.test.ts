import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { caseLockDate, laterOf, shownCategory, unlinkedCutoff, unlinkedPeriodEnd } from '../../server/retention/retention-rules.ts';

const DAY = 86_400_000;

describe('retention rules', () => {
  it('shows a hold above a case above nothing', () => {
    expect(shownCategory({ held: true, linked: true })).toBe('hold');
    expect(shownCategory({ held: false, linked: true })).toBe('case');
    expect(shownCategory({ held: false, linked: false })).toBe('unlinked');
  });

  it('dates the unlinked period from the end, and the cutoff the same way round', () => {
    expect(unlinkedPeriodEnd('2026-01-01T00:00:00.000Z', 183 * DAY).toISOString()).toBe('2026-07-03T00:00:00.000Z');
    expect(unlinkedCutoff(new Date('2026-07-03T00:00:00.000Z'), 183 * DAY)).toBe('2026-01-01T00:00:00.000Z');
  });

  it("dates a case's lock from its archiving, or from now while it is open", () => {
    const now = new Date('2026-12-05T00:00:00.000Z');
    expect(caseLockDate('2026-01-01T00:00:00.000Z', now, 10 * DAY).toISOString()).toBe('2026-01-11T00:00:00.000Z');
    expect(caseLockDate(null, now, 10 * DAY).toISOString()).toBe('2026-12-15T00:00:00.000Z');
  });

  it('never shortens a recorded lock date', () => {
    const proposed = new Date('2027-01-01T00:00:00.000Z');
    expect(laterOf('2030-01-01T00:00:00.000Z', proposed).toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(laterOf('2026-01-01T00:00:00.000Z', proposed)).toBe(proposed);
    expect(laterOf(null, proposed)).toBe(proposed);
  });
});

describe('retention configuration', () => {
  it('defaults to six months unlinked, 30 years archived, a run a day', () => {
    const c = loadConfig({});
    expect(c.retention).toEqual({ unlinkedMs: 183 * DAY, caseMs: 10950 * DAY, runEveryMs: DAY });
    expect(c.retentionDays).toBe(10950);
  });

  it('takes days, fractions of days, or seconds with an s, and `off` for the run', () => {
    const c = loadConfig({ LIUHEN_RETENTION_UNLINKED_DAYS: '20s', LIUHEN_RETENTION_DAYS: '0.5', LIUHEN_RETENTION_RUN_DAYS: 'off' });
    expect(c.retention).toEqual({ unlinkedMs: 20_000, caseMs: DAY / 2, runEveryMs: null });
    expect(c.retentionDays).toBe(0.5);
  });

  it.each(['0', '-3', 'six months', '5m', '0s'])('refuses the period %j, naming the variable', (v) => {
    expect(() => loadConfig({ LIUHEN_RETENTION_UNLINKED_DAYS: v })).toThrow(/LIUHEN_RETENTION_UNLINKED_DAYS/);
  });
});
