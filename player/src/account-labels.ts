/** Account codes from the server in words; an unknown code is shown as it is. */
import type { AccountState, GrantKind, GrantState } from './api-accounts.ts';
import { hasMessage, t } from './i18n.ts';
import { confidentialityText } from './labels.ts';
import type { Confidentiality } from './types.ts';

function word(prefix: string, code: string): string {
  const key = `${prefix}.${code}`;
  return hasMessage(key) ? t(key) : code;
}

export const accountStateText = (s: AccountState): string => word('account.state', s);
export const grantStateText = (s: GrantState): string => word('grant.state', s);
export const grantKindText = (k: GrantKind): string => word('grant.kind', k);

export function clearancesText(clearances: readonly Confidentiality[]): string {
  return clearances.length === 0 ? t('account.none') : clearances.map(confidentialityText).join('、');
}
