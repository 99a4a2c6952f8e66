import { describe, expect, it } from 'vitest';
import { analyticsQuerySchema } from '../../server/analytics/analytics-query.ts';
import { type Fact, tabulate } from '../../server/analytics/figures.ts';
import { monthsIn, shanghaiDayStart, shanghaiMonthOf, shanghaiMonthRange } from '../../server/analytics/periods.ts';
import { csvCell, reportCsv } from '../../server/analytics/report-csv.ts';

const range = shanghaiMonthRange('2026-01');
const q1 = { from: shanghaiMonthRange('2026-01').from, to: shanghaiMonthRange('2026-04').from };

describe('periods in Beijing time', () => {
  it('puts an instant in the Shanghai month, not the UTC one', () => {
    expect(shanghaiMonthOf('2026-01-31T15:59:59.999Z')).toBe('2026-01');
    expect(shanghaiMonthOf('2026-01-31T16:00:00.000Z')).toBe('2026-02');
    expect(shanghaiMonthRange('2026-12')).toEqual({ from: new Date('2026-11-30T16:00:00.000Z'), to: new Date('2026-12-31T16:00:00.000Z') });
    expect(shanghaiDayStart('2026-03-01').toISOString()).toBe('2026-02-28T16:00:00.000Z');
  });

  it('lists every month a range touches', () => {
    expect(monthsIn(q1.from, q1.to)).toEqual(['2026-01', '2026-02', '2026-03']);
    expect(monthsIn(range.from, range.to)).toEqual(['2026-01']);
    expect(monthsIn(new Date('2026-01-15T00:00:00Z'), new Date('2026-02-01T00:00:00Z'))).toEqual(['2026-01', '2026-02']);
    expect(monthsIn(range.to, range.from)).toEqual([]);
  });
});

describe('counting facts into tables', () => {
  const facts: Fact[] = [
    { unit: 'u1', badges: ['P-1'], at: '2026-01-05T02:00:00.000Z', recordings: 1, durationMs: 5_400_000, lateUploads: 1 },
    { unit: 'u1', badges: ['P-2'], at: '2026-02-05T02:00:00.000Z', recordings: 1, durationMs: 1_800_000, clockDriftFlags: 1 },
    { unit: 'u2', badges: [], at: '2026-01-31T17:00:00.000Z', recordings: 1, durationMs: 60_000 },
    { unit: 'u1', badges: ['P-1', 'P-2'], at: '2026-03-01T00:00:00.000Z', overdueArchives: 1 },
    { unit: 'u2', badges: ['P-1'], at: '2026-01-10T00:00:00.000Z', tracedLeaks: 1, gapsWithoutReason: 0 },
  ];

  it('by unit, with totals', () => {
    const t = tabulate(facts, 'unit', q1);
    expect(t.rows.map((r) => [r.key, r.recordings, r.hours, r.lateUploads, r.overdueArchives, r.tracedLeaks])).toEqual([
      ['u1', 2, 2, 1, 1, 0],
      ['u2', 1, 0.02, 0, 0, 1],
    ]);
    expect(t.totals).toEqual({ recordings: 3, hours: 2.02, lateUploads: 1, gapsWithoutReason: 0, actionsUnrecorded: 0, overdueArchives: 1, clockDriftFlags: 1, tracedLeaks: 1 });
  });

  it('by officer: a case with two officers counts for each, once in the total; no officer last', () => {
    const t = tabulate(facts, 'officer', q1);
    expect(t.rows.map((r) => [r.key, r.recordings, r.overdueArchives, r.tracedLeaks])).toEqual([
      ['P-1', 1, 1, 1],
      ['P-2', 1, 1, 0],
      [null, 1, 0, 0],
    ]);
    expect(t.totals.overdueArchives).toBe(1);
  });

  it('by month in Beijing time, empty months included', () => {
    const t = tabulate(facts, 'period', { from: q1.from, to: shanghaiMonthRange('2026-05').from });
    expect(t.rows.map((r) => [r.key, r.recordings, r.overdueArchives])).toEqual([
      ['2026-01', 1, 0],
      ['2026-02', 2, 0],
      ['2026-03', 0, 1],
      ['2026-04', 0, 0],
    ]);
  });
});

describe('the query', () => {
  it('takes a month, a range of days or instants, and defaults to the grouping by unit', () => {
    expect(analyticsQuerySchema.parse({ month: '2026-03' })).toEqual({ groupBy: 'unit', unit: undefined, ...shanghaiMonthRange('2026-03') });
    expect(analyticsQuerySchema.parse({ groupBy: 'period', from: '2026-01-01', to: '2026-04-01', unit: 'u1' })).toEqual({ groupBy: 'period', unit: 'u1', ...q1 });
    expect(analyticsQuerySchema.parse({ from: '2026-01-01T00:00:00+08:00', to: '2026-01-02T00:00:00Z' }).from).toEqual(q1.from);
    expect(analyticsQuerySchema.parse({}).to.getTime() - analyticsQuerySchema.parse({}).from.getTime()).toBeGreaterThanOrEqual(28 * 86_400_000);
  });

  it.each([
    [{ month: '2026-13' }],
    [{ month: '2026-03', from: '2026-01-01', to: '2026-02-01' }],
    [{ from: '2026-01-01' }],
    [{ from: '2026-02-01', to: '2026-01-01' }],
    [{ from: '2000-01-01', to: '2026-01-01' }],
    [{ from: '2024-02-31', to: '2024-03-05' }],
    [{ from: '2026-04-01', to: '2026-04-31' }],
    [{ groupBy: 'device' }],
    [{ unit: 'u1; drop table' }],
    [{ extra: '1' }],
  ])('refuses %j', (query) => {
    expect(analyticsQuerySchema.safeParse(query).success).toBe(false);
  });
});

describe('the CSV', () => {
  it('starts with a BOM and zh-CN headers, has a total line, and defuses formulas', () => {
    const csv = reportCsv({
      groupBy: 'officer',
      from: q1.from.toISOString(),
      to: q1.to.toISOString(),
      unit: null,
      ...tabulate(
        [
          { unit: 'u1', badges: ['=cmd'], at: '2026-01-05T02:00:00.000Z', recordings: 1, durationMs: 3_600_000 },
          { unit: 'u1', badges: [], at: '2026-01-05T02:00:00.000Z', gapsWithoutReason: 2 },
        ],
        'officer',
        q1,
      ),
    });
    expect(csv.startsWith('\uFEFF执法人员（执法证号）,录像数,录像时长（小时）,逾期上传,无原因中断,应录未录,逾期归档,时钟偏差,追溯到的泄露\r\n')).toBe(true);
    expect(csv.slice(1).split('\r\n')).toEqual([expect.any(String), "'=cmd,1,1,0,0,0,0,0,0", '（无执法人员）,0,0,0,2,0,0,0,0', '合计,1,1,0,2,0,0,0,0', '']);
    expect(csvCell('a,"b"')).toBe('"a,""b"""');
    expect(csvCell(-1)).toBe('-1');
  });
});
