import { describe, expect, it } from 'vitest';
import { generatePassword } from '../../server/auth/password.ts';
import { WeakPassword, weakness } from '../../server/auth/password-rules.ts';

describe('the password rules', () => {
  it.each<[string, string | null]>([
    ['Short1!', 'shorter than 12 characters'],
    ['alllowercaseletters', 'fewer than 3 of the 4 character classes'],
    ['lowercase and spaces', 'fewer than 3 of the 4 character classes'],
    ['UPPER lower only', null],
    ['UPPERlower12345', null],
    ['lower-digits-2026', null],
    ['ABCDEF123456', 'fewer than 3 of the 4 character classes'],
    // Chinese characters are neither case nor digit: they count with the symbols.
    ['一二三四五六七八九十一二', 'fewer than 3 of the 4 character classes'],
    ['一二三四五六七八九十ab1', null],
    ['Police-10086-pass', 'contains the badge number'],
    ['Police-P10086X-pass', 'contains the badge number'],
  ])('%j → %s', (password, why) => {
    expect(weakness(password, badge(password))).toBe(why);
  });

  it('counts characters, not UTF-16 units', () => {
    expect(weakness('𠀀𠀀𠀀𠀀𠀀Aa1', 'x')).toBe('shorter than 12 characters');
  });

  it('states the rule in the refusal, in Chinese and English', () => {
    const e = new WeakPassword('shorter than 12 characters');
    expect(e.code).toBe('weak_password');
    expect(e.message).toContain('at least 12 characters');
    expect(e.message).toContain('至少 12 位');
  });

  it('generates one-time passwords that meet them', () => {
    for (let i = 0; i < 200; i++) expect(weakness(generatePassword(), '10086')).toBeNull();
  });
});

/** The badge the cases above test against: 10086, or p10086x for the case-insensitive one. */
function badge(password: string): string {
  return password.includes('P10086X') ? 'p10086x' : '10086';
}
