/**
 * What the workers are doing for a recording, on its replay page: one line per kind of job, since
 * a recording has a job per segment (an hour is 1800 of them). Refreshed often while work is
 * pending and now and then after (a live recording keeps asking for more); hidden from roles that
 * do not follow jobs.
 */
import { ApiError, describeError, getJobs } from './api.ts';
import { h } from './dom.ts';
import { label, setText, t } from './i18n.ts';
import { jobKindText, jobStateText } from './labels.ts';
import type { Job, JobState } from './types.ts';

const PENDING_POLL_MS = 3000;
const SETTLED_POLL_MS = 30_000;

interface KindSummary {
  kind: string;
  state: JobState;
  progress: number;
  done: number;
  total: number;
  error: string | null;
}

/** A kind shows a failure first, then work under way, then work waiting; done only when all are. */
const PRECEDENCE: JobState[] = ['failed', 'active', 'waiting', 'completed'];
const STATE_CLASS: Record<JobState, string> = { waiting: 'state state-closed', active: 'state state-interrupted', completed: 'state state-active', failed: 'state error' };

function summarize(jobs: Job[]): KindSummary[] {
  const byKind = new Map<string, Job[]>();
  for (const job of jobs) byKind.set(job.kind, [...(byKind.get(job.kind) ?? []), job]);
  return [...byKind].map(([kind, list]) => ({
    kind,
    state: PRECEDENCE.find((s) => list.some((j) => j.state === s)) ?? 'waiting',
    progress: Math.round(list.reduce((sum, j) => sum + j.progress, 0) / list.length),
    done: list.filter((j) => j.state === 'completed').length,
    total: list.length,
    // A failed job's error, or the last one a job waiting for its retry got.
    error: list.filter((j) => j.state !== 'completed' && j.error !== null).at(-1)?.error ?? null,
  }));
}

function kindItem(s: KindSummary): HTMLLIElement {
  const name = h('span', { class: 'job-kind' });
  setText(name, () => jobKindText(s.kind));
  const state = h('span', { class: STATE_CLASS[s.state] });
  setText(state, () => jobStateText(s.state));
  const count = h('span', { class: 'job-count' });
  setText(count, () => t('jobs.count', { done: s.done, total: s.total }));
  const item = h('li', { 'data-testid': 'job', 'data-kind': s.kind, 'data-state': s.state }, name, ' ', state, ' ', h('span', { 'data-testid': 'job-progress' }, `${s.progress}%`), ' ', count);
  if (s.error !== null) {
    const error = h('p', { class: 'error', 'data-testid': 'job-error' });
    setText(error, () => t('jobs.error', { error: s.error! }));
    item.append(error);
  }
  return item;
}

export function createJobList(recordingId: string, signal: AbortSignal): HTMLElement {
  const list = h('ul', { 'data-testid': 'jobs', class: 'job-list' });
  const card = h('section', { class: 'card' }, h('h2', {}, label('jobs.title')), list);
  let timer: ReturnType<typeof setTimeout> | undefined;

  const refresh = async (): Promise<void> => {
    try {
      const kinds = summarize((await getJobs(recordingId, signal)).jobs);
      list.replaceChildren(...(kinds.length > 0 ? kinds.map(kindItem) : [h('li', {}, label('jobs.empty'))]));
      const pending = kinds.length === 0 || kinds.some((k) => k.state === 'waiting' || k.state === 'active');
      timer = setTimeout(() => void refresh(), pending ? PENDING_POLL_MS : SETTLED_POLL_MS);
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof ApiError && err.status === 403) {
        card.hidden = true;
        return;
      }
      const message = h('li', { class: 'error' });
      setText(message, () => describeError(err));
      list.replaceChildren(message);
      timer = setTimeout(() => void refresh(), SETTLED_POLL_MS);
    }
  };
  signal.addEventListener('abort', () => clearTimeout(timer));
  void refresh();
  return card;
}
