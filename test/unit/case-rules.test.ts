import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ActionKind } from '../../server/db/schema.ts';
import { type Clause, FINDING_CLAUSES, NOT_RECORDED_REASONS, RECORDING_RULES, WRITTEN_REASON_CLAUSES } from '../../server/cases/recording-rules.ts';

const EVERY_KIND: ActionKind[] = [
  'inspection',
  'sampling',
  'hearing',
  'seizure',
  'service_by_leaving',
  'service_by_notice',
  'restoration',
  'summary_procedure',
  'inquiry',
  'application_acceptance',
  'other',
];

const allClauses = (): Clause[] => [
  ...Object.values(RECORDING_RULES).flatMap((r) => r.clauses),
  ...Object.values(NOT_RECORDED_REASONS).flatMap((r) => (r.clause ? [r.clause] : [])),
  ...WRITTEN_REASON_CLAUSES,
  ...Object.values(FINDING_CLAUSES).flat(),
];

describe('the recording rules table', () => {
  it('has a rule for every action kind and nothing else', () => {
    expect(Object.keys(RECORDING_RULES).sort()).toEqual([...EVERY_KIND].sort());
  });

  it('cites at least one clause for every mandatory or recommended kind', () => {
    for (const [kind, rule] of Object.entries(RECORDING_RULES)) {
      if (rule.requirement !== 'optional') expect(rule.clauses.length, kind).toBeGreaterThan(0);
    }
  });

  it('names the seeds’ mandated actions as mandatory and the summary procedure as recommended', () => {
    const mandatory = EVERY_KIND.filter((k) => RECORDING_RULES[k].requirement === 'mandatory');
    expect(mandatory.sort()).toEqual(['application_acceptance', 'hearing', 'inspection', 'restoration', 'sampling', 'seizure', 'service_by_leaving', 'service_by_notice']);
    expect(RECORDING_RULES.summary_procedure.requirement).toBe('recommended');
    expect(RECORDING_RULES.inquiry.requirement).toBe('optional');
  });

  it('cites articles as positive whole numbers of seeds 000–004, with words quoted', () => {
    for (const clause of allClauses()) {
      expect(Number.isInteger(clause.article) && clause.article > 0, JSON.stringify(clause)).toBe(true);
      expect(['000', '001', '002', '003', '004']).toContain(clause.seed);
      expect(clause.quote.length).toBeGreaterThan(5);
    }
  });

  it('offers the reasons of 004 §13, each with its Chinese words', () => {
    expect(Object.keys(NOT_RECORDED_REASONS).sort()).toEqual(['explosive_area', 'other', 'privacy', 'state_secret', 'trade_secret']);
    for (const reason of Object.values(NOT_RECORDED_REASONS)) expect(reason.zh).toMatch(/\p{Script=Han}/u);
  });
});

/**
 * The articles the table cites, shipped in the repository (test/fixtures/seed-articles.json) so
 * that every clone checks every quote. Where the seeds themselves are beside the repository (the
 * machines that wrote liuhen), the shipped articles are checked against them word for word.
 */
const ARTICLES: Record<string, string> = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../fixtures/seed-articles.json'), 'utf8'));
const SEEDS_DIR = path.resolve(import.meta.dirname, '../../../shared/seeds');
const haveSeeds = fs.existsSync(SEEDS_DIR);

const DIGITS = ['', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
/** 1–99 as written in 第N条: 十, 十一, 二十, 二十三. */
function chineseNumber(n: number): string {
  if (n < 10) return DIGITS[n]!;
  const tens = Math.floor(n / 10);
  return `${tens === 1 ? '' : DIGITS[tens]}十${DIGITS[n % 10]}`;
}

/** The text of article `n`: its heading up to the next article's heading. */
function articleText(seedText: string, n: number): string {
  const start = seedText.search(new RegExp(`^\\s*第${chineseNumber(n)}条`, 'm'));
  if (start < 0) return '';
  const rest = seedText.slice(start);
  const next = rest.slice(2).search(/^\s*第[一二三四五六七八九十]+条/m);
  return `${(next < 0 ? rest : rest.slice(0, next + 2)).trim()}\n`;
}

describe('each quoted clause, read in its article', () => {
  it('writes Chinese article numbers as the seeds do', () => {
    expect([5, 10, 11, 20, 23, 30].map(chineseNumber)).toEqual(['五', '十', '十一', '二十', '二十三', '三十']);
  });

  it('appears under the article it cites', () => {
    const missing = allClauses().filter((cl) => {
      const article = ARTICLES[`${cl.seed} §${cl.article}`] ?? '';
      return !article.startsWith(`第${chineseNumber(cl.article)}条`) || !article.includes(cl.quote);
    });
    expect(missing).toEqual([]);
  });

  it.runIf(haveSeeds)('ships the articles exactly as the seeds have them', () => {
    const seedText = (seed: string): string => {
      const file = fs.readdirSync(SEEDS_DIR).find((f) => f.startsWith(`${seed}_`));
      return fs.readFileSync(path.join(SEEDS_DIR, file!), 'utf8');
    };
    for (const [key, text] of Object.entries(ARTICLES)) {
      const [seed, article] = key.split(' §') as [string, string];
      expect(articleText(seedText(seed), Number(article)), key).toBe(text);
    }
  });
});
