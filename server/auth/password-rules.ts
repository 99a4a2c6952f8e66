/**
 * What a password a person chooses must be (GB/T 22239-2019 8.1.4.1: complexity, and changed
 * regularly without coming back): at least MIN_LENGTH characters from at least three of the four
 * classes, not containing the badge number, and none of the account's last REUSE_DEPTH passwords.
 * Characters without case (汉字 among them) count with the symbols.
 */
import { ExplainedRefusal } from '../errors.ts';

export const MIN_LENGTH = 12;
export const REUSE_DEPTH = 5;
const CLASSES = [/\p{Ll}/u, /\p{Lu}/u, /\p{Nd}/u, /[^\p{Ll}\p{Lu}\p{Nd}]/u];

export const PASSWORD_RULE = `at least ${MIN_LENGTH} characters, at least 3 of lower case, upper case, digits and symbols, not containing the badge number`;

/** Why `password` is too weak for the account with `badge`, or null when it meets the rule. */
export function weakness(password: string, badge: string): string | null {
  if ([...password].length < MIN_LENGTH) return `shorter than ${MIN_LENGTH} characters`;
  if (CLASSES.filter((c) => c.test(password)).length < 3) return 'fewer than 3 of the 4 character classes';
  if (password.toLowerCase().includes(badge.toLowerCase())) return 'contains the badge number';
  return null;
}

/** 400 `weak_password`; the message states the rule, for the person choosing. */
export class WeakPassword extends ExplainedRefusal {
  constructor(readonly why: string) {
    super('weak_password', `password ${why}: ${PASSWORD_RULE} (密码至少 ${MIN_LENGTH} 位，含大写字母、小写字母、数字、符号中的至少 3 类，且不得包含警号)`);
  }
}

export class PasswordReused extends ExplainedRefusal {
  constructor() {
    super('password_reused', `the password is one of the last ${REUSE_DEPTH} of this account (不得与最近 ${REUSE_DEPTH} 次使用过的密码相同)`);
  }
}
