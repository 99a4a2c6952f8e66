/**
 * The recording's timeline: one block per ledger entry, as wide as its duration, gaps in red.
 * The replay video holds only the segments (a gap has no media), so a video time maps into the
 * segment blocks and the playhead jumps over gaps; clicking a gap seeks to what follows it.
 */
import { h } from './dom.ts';
import { formatDateTime, formatDuration } from './format.ts';
import { hasMessage, setTitle, t } from './i18n.ts';
import type { TimelineEntry } from './types.ts';

interface Block {
  el: HTMLElement;
  entry: TimelineEntry;
  /** seconds of video before this block */
  mediaStart: number;
}

export interface Timeline {
  el: HTMLElement;
  setEntries(entries: TimelineEntry[]): void;
  setTime(seconds: number): void;
}

export function createTimeline(onSeek: (seconds: number) => void): Timeline {
  const bar = h('div', { 'data-testid': 'timeline', class: 'timeline' });
  const playhead = h('div', { class: 'playhead', hidden: '' });
  const el = h('div', { class: 'timeline-wrap' }, bar, playhead);
  let blocks: Block[] = [];

  bar.addEventListener('click', (event) => {
    const block = blocks.find((b) => b.el === event.target);
    if (block === undefined) return;
    const fraction = block.entry.kind === 'segment' ? event.offsetX / block.el.offsetWidth : 0;
    onSeek(block.mediaStart + (fraction * block.entry.durationMs) / 1000);
  });

  return {
    el,
    setEntries(entries) {
      let mediaStart = 0;
      blocks = entries.map((entry) => {
        const block: Block = { el: h('div', { class: `tl-block tl-${entry.kind}`, 'data-kind': entry.kind, 'data-idx': String(entry.idx) }), entry, mediaStart };
        block.el.style.flexGrow = String(Math.max(entry.durationMs, 1));
        const start = formatDateTime(entry.start);
        const duration = formatDuration(entry.durationMs);
        setTitle(block.el, () =>
          entry.kind === 'gap'
            ? t('timeline.gap', { cause: causeText(entry.cause), start, duration })
            : t('timeline.segment', { idx: entry.idx, start, duration }),
        );
        if (entry.kind === 'segment') mediaStart += entry.durationMs / 1000;
        return block;
      });
      bar.replaceChildren(...blocks.map((b) => b.el));
      playhead.hidden = !blocks.some((b) => b.entry.kind === 'segment');
    },
    setTime(seconds) {
      const segments = blocks.filter((b) => b.entry.kind === 'segment');
      const block = segments.filter((b) => b.mediaStart <= seconds).at(-1) ?? segments[0];
      if (block === undefined || bar.clientWidth === 0) return;
      const length = block.entry.durationMs / 1000;
      const fraction = length > 0 ? Math.min(1, Math.max(0, (seconds - block.mediaStart) / length)) : 0;
      const x = block.el.offsetLeft + fraction * block.el.offsetWidth;
      playhead.style.left = `${(x / bar.clientWidth) * 100}%`;
    },
  };
}

function causeText(cause: TimelineEntry['cause']): string {
  const key = `gap.${cause}`;
  return hasMessage(key) ? t(key) : String(cause ?? '?');
}
