/**
 * The replay page's redaction card, for custodians and reviewers: the recording's redacted
 * versions with their state, and a form that gathers mute ranges and blur rectangles and submits
 * them as one redaction. Times are entered in replay seconds — what the video and the timeline
 * show, and what "current time" reads from the video — and sent in milliseconds; rectangles are
 * entered in percent of the frame and sent as fractions. The server checks everything again.
 */
import { ApiError, describeError } from './api.ts';
import { type BlurMark, getRedactions, type MuteMark, type Redaction, type RedactionState, requestRedaction } from './api-redaction.ts';
import { h } from './dom.ts';
import { formatDateTime } from './format.ts';
import { label, setText, t, type MessageKey } from './i18n.ts';
import { currentUser } from './session.ts';

const PENDING_POLL_MS = 3000;
const STATE_CLASS: Record<RedactionState, string> = { pending: 'state state-interrupted', ready: 'state state-active', failed: 'state error' };
/** The smallest rectangle side the server takes (server/redaction/redaction-marks.ts MIN_RECT), in percent. */
const MIN_RECT_PCT = 2;
const WRAP = 'flex-wrap: wrap';

function field(key: MessageKey, name: string, attrs: Record<string, string> = {}): { el: HTMLElement; input: HTMLInputElement } {
  const input = h('input', { type: 'number', step: '0.1', min: '0', name, 'data-testid': `redact-${name}`, style: 'width: 7em', ...attrs });
  return { el: h('label', { class: 'filter' }, label(key), input), input };
}

function button(key: MessageKey, className: 'primary' | 'secondary', testId: string): HTMLButtonElement {
  return h('button', { type: 'button', class: className, 'data-testid': testId }, label(key));
}

/** A start and an end field, each with a button that takes the video's current time. */
function timeRange(video: HTMLVideoElement, prefix: string) {
  const withNow = (key: MessageKey, name: string) => {
    const f = field(key, `${prefix}-${name}`);
    const now = button('redact.now', 'secondary', `redact-${prefix}-${name}-now`);
    now.addEventListener('click', () => {
      f.input.value = video.currentTime.toFixed(1);
    });
    return { el: h('div', { class: 'filter' }, f.el, now), input: f.input };
  };
  const from = withNow('redact.from', 'from');
  const to = withNow('redact.to', 'to');
  /** The range in ms, or null when it is not one. */
  const read = (): MuteMark | null => {
    const [a, b] = [from.input.valueAsNumber, to.input.valueAsNumber];
    if (!Number.isFinite(a) || !Number.isFinite(b) || a < 0 || a >= b) return null;
    return { fromMs: Math.round(a * 1000), toMs: Math.round(b * 1000) };
  };
  return { els: [from.el, to.el], read };
}

function redactionRow(r: Redaction): HTMLTableRowElement {
  const marks = h('td');
  setText(marks, () => t('redact.marksSummary', { mute: r.marks.mute.length, blur: r.marks.blur.length }));
  const state = h('span', { class: STATE_CLASS[r.state] });
  setText(state, () => t(`redact.state.${r.state}`));
  const stateCell = h('td', {}, state);
  if (r.error !== null) {
    const error = h('p', { class: 'error' });
    setText(error, () => t('redact.failedBecause', { error: r.error! }));
    stateCell.append(error);
  }
  return h(
    'tr',
    { 'data-testid': 'redaction', 'data-redaction-id': r.redactionId, 'data-state': r.state },
    h('td', { class: 'nowrap' }, formatDateTime(r.createdAt)),
    h('td', { class: 'mono' }, r.createdBy),
    marks,
    stateCell,
  );
}

/** The card, or null for a role that does not redact. */
export function createRedactionPanel(recordingId: string, video: HTMLVideoElement, signal: AbortSignal): HTMLElement | null {
  const role = currentUser()?.role;
  if (role !== 'custodian' && role !== 'reviewer') return null;

  const hint = h('p', { class: 'notice' });
  setText(hint, () => t('redact.hint'));
  const rows = h('tbody');
  const listStatus = h('p', { class: 'notice' });
  setText(listStatus, () => t('loading'));
  const columns: MessageKey[] = ['redact.col.createdAt', 'redact.col.createdBy', 'redact.col.marks', 'redact.col.state'];
  const list = h('table', { class: 'data-table', 'data-testid': 'redactions' }, h('thead', {}, h('tr', {}, ...columns.map((key) => h('th', {}, label(key))))), rows);

  const mutes: MuteMark[] = [];
  const blurs: BlurMark[] = [];
  const muteRange = timeRange(video, 'mute');
  const blurRange = timeRange(video, 'blur');
  const rect = (['x', 'y', 'w', 'h'] as const).map((k) => ({ k, ...field(`redact.${k}`, `blur-${k}`, { max: '100' }) }));
  const addMute = button('redact.addMute', 'secondary', 'redact-add-mute');
  const addBlur = button('redact.addBlur', 'secondary', 'redact-add-blur');
  const pending = h('ul', { 'data-testid': 'redact-pending' });
  const formStatus = h('p', { class: 'notice', role: 'status', hidden: '' });
  const submit = button('redact.submit', 'primary', 'redact-submit');

  const say = (text: () => string, isError: boolean) => {
    formStatus.hidden = false;
    formStatus.className = isError ? 'form-error' : 'notice';
    setText(formStatus, text);
  };

  const renderPending = () => {
    const item = (text: () => string, remove: () => void) => {
      const words = h('span');
      setText(words, text);
      const drop = button('redact.remove', 'secondary', 'redact-remove');
      drop.addEventListener('click', () => {
        remove();
        renderPending();
      });
      return h('li', { 'data-testid': 'redact-mark' }, words, ' ', drop);
    };
    const seconds = (ms: number) => (ms / 1000).toFixed(1);
    const pct = (f: number) => String(Math.round(f * 1000) / 10);
    pending.replaceChildren(
      ...mutes.map((m, i) =>
        item(
          () => t('redact.muteItem', { from: seconds(m.fromMs), to: seconds(m.toMs) }),
          () => mutes.splice(i, 1),
        ),
      ),
      ...blurs.map((b, i) =>
        item(
          () => t('redact.blurItem', { x: pct(b.x), y: pct(b.y), w: pct(b.w), h: pct(b.h), from: seconds(b.fromMs), to: seconds(b.toMs) }),
          () => blurs.splice(i, 1),
        ),
      ),
    );
    if (mutes.length + blurs.length === 0) pending.append(h('li', { class: 'notice' }, label('redact.noPending')));
    submit.disabled = mutes.length + blurs.length === 0;
  };

  addMute.addEventListener('click', () => {
    const range = muteRange.read();
    if (range === null) return say(() => t('redact.badTimes'), true);
    mutes.push(range);
    formStatus.hidden = true;
    renderPending();
  });
  addBlur.addEventListener('click', () => {
    const range = blurRange.read();
    if (range === null) return say(() => t('redact.badTimes'), true);
    const [x, y, w, hgt] = rect.map((r) => r.input.valueAsNumber);
    const valid = [x, y, w, hgt].every((v) => Number.isFinite(v) && v! >= 0 && v! <= 100) && w! >= MIN_RECT_PCT && hgt! >= MIN_RECT_PCT && x! + w! <= 100 && y! + hgt! <= 100;
    if (!valid) return say(() => t('redact.badRect'), true);
    blurs.push({ x: x! / 100, y: y! / 100, w: w! / 100, h: hgt! / 100, ...range });
    formStatus.hidden = true;
    renderPending();
  });

  let timer: ReturnType<typeof setTimeout> | undefined;
  const card = h(
    'section',
    { class: 'card', 'data-testid': 'redaction-panel' },
    h('h2', {}, label('redact.title')),
    hint,
    h('h3', {}, label('redact.list')),
    list,
    listStatus,
    h('h3', {}, label('redact.mute')),
    h('div', { class: 'filters', style: WRAP }, ...muteRange.els, addMute),
    h('h3', {}, label('redact.blur')),
    h('div', { class: 'filters', style: WRAP }, ...rect.map((r) => r.el), ...blurRange.els, addBlur),
    h('h3', {}, label('redact.pending')),
    pending,
    formStatus,
    submit,
  );

  const refresh = async (): Promise<void> => {
    clearTimeout(timer);
    try {
      const { redactions } = await getRedactions(recordingId, signal);
      rows.replaceChildren(...redactions.map(redactionRow));
      listStatus.hidden = redactions.length > 0;
      setText(listStatus, () => t('redact.empty'));
      if (redactions.some((r) => r.state === 'pending')) timer = setTimeout(() => void refresh(), PENDING_POLL_MS);
    } catch (err) {
      if (signal.aborted) return;
      // Not this viewer's to redact after all (a label they lack clearance for): no card.
      if (err instanceof ApiError && err.status === 403) {
        card.hidden = true;
        return;
      }
      listStatus.hidden = false;
      setText(listStatus, () => describeError(err));
    }
  };

  submit.addEventListener('click', () => {
    submit.disabled = true;
    requestRedaction(recordingId, { mute: [...mutes], blur: [...blurs] }, signal)
      .then(() => {
        mutes.length = 0;
        blurs.length = 0;
        renderPending();
        say(() => t('redact.submitted'), false);
        return refresh();
      })
      .catch((err: unknown) => {
        if (signal.aborted) return;
        submit.disabled = false;
        say(() => describeError(err), true);
      });
  });

  signal.addEventListener('abort', () => clearTimeout(timer));
  renderPending();
  void refresh();
  return card;
}
