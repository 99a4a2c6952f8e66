/**
 * The recording's timeline: one block per segment or gap, as wide as its duration, gaps in red;
 * each 告知 notice a marker at the moment the party was told. The replay video holds only the
 * segments (a gap has no media), so a video time maps into the segment blocks and the playhead
 * jumps over gaps; clicking a gap seeks to what follows it, clicking a notice to its moment.
 * Once the recording's scrub thumbnails exist, hovering a segment shows the picture at that moment.
 */
import { h } from './dom.ts';
import { formatDateTime, formatDuration } from './format.ts';
import { hasMessage, label, setTitle, t } from './i18n.ts';
import type { ThumbnailCue } from './thumbnails.ts';
import type { TimelineEntry } from './types.ts';

interface Block {
  el: HTMLElement;
  entry: TimelineEntry;
  /** seconds of video before this block */
  mediaStart: number;
  /** share of the bar before this block, and its own (as the flex layout gives them) */
  barStart: number;
  barWidth: number;
}

interface Marker {
  el: HTMLElement;
  mediaTime: number;
}

export interface Timeline {
  el: HTMLElement;
  setEntries(entries: TimelineEntry[]): void;
  setTime(seconds: number): void;
  /** cue times are replay video seconds, like the segment blocks' */
  setThumbnails(cues: ThumbnailCue[]): void;
}

export function createTimeline(onSeek: (seconds: number) => void): Timeline {
  const bar = h('div', { 'data-testid': 'timeline', class: 'timeline' });
  const playhead = h('div', { class: 'playhead', hidden: '' });
  const preview = thumbnailPreview();
  const el = h('div', { class: 'timeline-wrap' }, bar, playhead, preview.el);
  let blocks: Block[] = [];
  let markers: Marker[] = [];
  let thumbnails: ThumbnailCue[] = [];

  bar.addEventListener('mousemove', (event) => {
    const x = event.clientX - bar.getBoundingClientRect().left;
    const block = blocks.find((b) => b.el.offsetLeft <= x && x < b.el.offsetLeft + b.el.offsetWidth);
    // A gap has no picture: it is shown as the red block it is.
    if (block === undefined || block.entry.kind !== 'segment') return preview.hide();
    const seconds = block.mediaStart + ((x - block.el.offsetLeft) / block.el.offsetWidth) * (block.entry.durationMs / 1000);
    const cue = thumbnails.find((c) => c.start <= seconds && seconds < c.end) ?? thumbnails.at(-1);
    if (cue === undefined) return preview.hide();
    preview.show(cue, Math.min(Math.max(x, cue.w / 2), bar.clientWidth - cue.w / 2));
  });
  bar.addEventListener('mouseleave', () => preview.hide());

  bar.addEventListener('click', (event) => {
    const target = event.target as HTMLElement;
    const marker = markers.find((m) => m.el.contains(target));
    if (marker !== undefined) {
      onSeek(marker.mediaTime);
      return;
    }
    const block = blocks.find((b) => b.el === target);
    if (block === undefined) return;
    const fraction = block.entry.kind === 'segment' ? event.offsetX / block.el.offsetWidth : 0;
    onSeek(block.mediaStart + (fraction * block.entry.durationMs) / 1000);
  });

  return {
    el,
    setEntries(entries) {
      let mediaStart = 0;
      let barStart = 0;
      blocks = entries
        .filter((entry) => entry.kind !== 'notice')
        .map((entry) => {
          const barWidth = Math.max(entry.durationMs, 1);
          const block: Block = { el: h('div', { class: `tl-block tl-${entry.kind}`, 'data-kind': entry.kind, 'data-idx': String(entry.idx) }), entry, mediaStart, barStart, barWidth };
          block.el.style.flexGrow = String(barWidth);
          const start = formatDateTime(entry.start);
          const duration = formatDuration(entry.durationMs);
          setTitle(block.el, () => (entry.kind === 'gap' ? t('timeline.gap', { cause: causeText(entry.cause), start, duration }) : t('timeline.segment', { idx: entry.idx, start, duration })));
          if (entry.kind === 'segment') mediaStart += entry.durationMs / 1000;
          barStart += barWidth;
          return block;
        });
      markers = entries.filter((entry) => entry.kind === 'notice').map((entry) => noticeMarker(entry, blocks, barStart));
      bar.replaceChildren(...blocks.map((b) => b.el), ...markers.map((m) => m.el));
      el.classList.toggle('has-notices', markers.length > 0);
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
    setThumbnails(cues) {
      thumbnails = cues;
    },
  };
}

/**
 * One tile of the sprite sheet above the bar, centred on the pointer. Styled here rather than in
 * the stylesheet: its size and picture come from each cue.
 */
function thumbnailPreview() {
  const el = h('div', { 'data-testid': 'timeline-thumbnail', hidden: '' });
  Object.assign(el.style, {
    position: 'absolute',
    bottom: '100%',
    zIndex: '2',
    transform: 'translateX(-50%)',
    pointerEvents: 'none',
    outline: '1px solid #fff',
    boxShadow: '0 1px 4px rgba(0,0,0,.4)',
    backgroundRepeat: 'no-repeat',
  });
  // The sheet is a data: URL of up to megabytes: set it once per sheet, not on every move.
  let sheet = '';
  return {
    el,
    show(cue: ThumbnailCue, left: number) {
      if (cue.sheet !== sheet) {
        sheet = cue.sheet;
        el.style.backgroundImage = `url("${sheet}")`;
      }
      Object.assign(el.style, { left: `${left}px`, width: `${cue.w}px`, height: `${cue.h}px`, backgroundPosition: `-${cue.x}px -${cue.y}px` });
      el.hidden = false;
    },
    hide() {
      el.hidden = true;
    },
  };
}

/**
 * Placed by wall-clock time inside the segment or gap it falls in. A notice sealed while the
 * camera was between segments, or before the first, sits at the edge of the nearest block.
 */
function noticeMarker(entry: TimelineEntry, blocks: Block[], barTotal: number): Marker {
  const at = Date.parse(entry.start);
  const block = blocks.filter((b) => Date.parse(b.entry.start) <= at).at(-1) ?? blocks[0];
  const fraction = block === undefined || block.entry.durationMs === 0 ? 0 : Math.min(1, Math.max(0, (at - Date.parse(block.entry.start)) / block.entry.durationMs));
  const position = block === undefined ? 0 : (block.barStart + fraction * block.barWidth) / barTotal;
  const el = h('div', { class: 'tl-notice', 'data-kind': 'notice', 'data-idx': String(entry.idx) }, label('timeline.noticeMark'));
  el.style.left = `${position * 100}%`;
  const when = formatDateTime(entry.start);
  setTitle(el, () => t('timeline.notice', { start: when, by: noticeByText(entry.by) }));
  const mediaTime = block === undefined ? 0 : block.mediaStart + (block.entry.kind === 'segment' ? (fraction * block.entry.durationMs) / 1000 : 0);
  return { el, mediaTime };
}

function causeText(cause: TimelineEntry['cause']): string {
  const key = `gap.${cause}`;
  return hasMessage(key) ? t(key) : String(cause ?? '?');
}

/** Who marked it: the camera itself, or a signed-in user (by id: the audit log names them). */
function noticeByText(by: TimelineEntry['by']): string {
  if (by === 'device') return t('timeline.noticeByDevice');
  return by ? t('timeline.noticeByUser', { id: by.replace(/^user:/, '') }) : '?';
}
