/** Case codes from the server in words; an unknown code is shown as it is. */
import type { ActionKind, Finding, NotRecordedReason, Requirement, Stage } from './api-cases.ts';
import { formatDateTime } from './format.ts';
import { hasMessage, t } from './i18n.ts';

function word(prefix: string, code: string): string {
  const key = `case.${prefix}.${code}`;
  return hasMessage(key) ? t(key) : code;
}

export const stageText = (s: Stage): string => word('stage', s);
export const kindText = (k: ActionKind): string => word('kind', k);
export const requirementText = (r: Requirement): string => word('req', r);
export const reasonText = (r: NotRecordedReason): string => word('reason', r);
export const memberRoleText = (r: string): string => word('role', r);

/** A finding in a sentence, naming the action's kind when it is about one. */
export function findingText(f: Finding, kindOf: (actionId: string) => ActionKind | undefined): string {
  const kind = f.actionId ? kindOf(f.actionId) : undefined;
  const key = `case.finding.${f.kind}`;
  const params = { kind: kind ? kindText(kind) : '', at: formatDateTime(f.at), recording: f.recordingId ?? '', idx: f.gapIdx ?? '' };
  const text = hasMessage(key) ? t(key, params) : f.kind;
  return f.officerBadge ? text + t('case.finding.officer', { badge: f.officerBadge }) : text;
}
