/** Retention codes from the server in words (category, state, period, hold); an unknown code is shown as it is. */
import type { ReportCategory } from './api-retention.ts';
import { formatDateTime } from './format.ts';
import { hasMessage, t } from './i18n.ts';
import type { ShownRetention } from './types.ts';

function word(prefix: string, code: string): string {
  const key = `ret.${prefix}.${code}`;
  return hasMessage(key) ? t(key) : code;
}

export const retentionCategoryText = (c: ReportCategory): string => word('cat', c);
export const retentionStateText = (s: ShownRetention['state']): string => word('state', s);

/** How long it is kept: a date, or why there is none yet. */
export function keptUntilText(r: ShownRetention): string {
  if (r.keptUntil !== null) return formatDateTime(r.keptUntil);
  if (r.category === 'hold') return t('ret.until.hold');
  return t(r.category === 'case' ? 'ret.until.case' : 'ret.until.open');
}

type Hold = NonNullable<ShownRetention['hold']>;

/** Who placed the hold: a user by name and badge, the operator by its actor. */
export const holderText = (hold: Hold): string => (hold.holder.badge ? t('ret.holder', { name: hold.holder.name, badge: hold.holder.badge }) : hold.holder.name);

/** The hold in a sentence (replay page) or in short (the recordings list). */
export const holdText = (hold: Hold, short = false): string => t(short ? 'ret.heldShort' : 'ret.held', { at: formatDateTime(hold.at), holder: holderText(hold), reason: hold.reason });
