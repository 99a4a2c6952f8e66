/** The party flow's codes in words, in the current language. */
import type { PartyRequestState, RoomState } from './api-party.ts';
import { DASH, formatDateTime } from './format.ts';
import { t } from './i18n.ts';

export const requestStateText = (state: PartyRequestState): string => t(`party.state.${state}` as const);
export const roomStateText = (state: RoomState): string => t(`party.room.state.${state}` as const);
export const requestKindText = (kind: 'view' | 'copy'): string => t(`party.kind.${kind}` as const);

export function windowText(from: string | null, until: string | null): string {
  return from === null || until === null ? DASH : t('party.window', { from: formatDateTime(from), until: formatDateTime(until) });
}
