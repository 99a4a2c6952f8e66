import { createPlaybackSession, describeError, getRecording, getVerification } from '../api.ts';
import { h } from '../dom.ts';
import { infoList } from '../info-list.ts';
import { DASH, formatDateTime, formatDuration } from '../format.ts';
import { attachPlaylist, isNetworkError, type FatalError, type Playback } from '../hls-player.ts';
import { label, setText, t } from '../i18n.ts';
import { createJobList } from '../job-list.ts';
import { confidentialityText, recordingStateText } from '../labels.ts';
import { createPlayerFrame } from '../player-frame.ts';
import { showPhoto } from '../photo-view.ts';
import { createRedactionPanel } from '../redaction-panel.ts';
import { createRetentionPanel } from '../retention-panel.ts';
import { createSharePanel } from '../share-panel.ts';
import type { PageContext } from '../router.ts';
import { createTimeline } from '../timeline.ts';
import { loadThumbnails } from '../thumbnails.ts';
import type { PlaybackSession, Recording, Verification } from '../types.ts';

/** How often a replay with nothing marked yet asks whether its first segment is. */
const MARKING_POLL_MS = 4000;

function recordingInfo(r: Recording): HTMLDListElement {
  return infoList([
    ['col.id', () => r.id],
    ['col.device', () => r.deviceName],
    ['col.officer', () => r.officerBadge ?? DASH],
    ['col.unit', () => r.unit],
    ['col.start', () => formatDateTime(r.startedAt)],
    ['col.end', () => formatDateTime(r.endedAt)],
    ['col.duration', () => formatDuration(r.durationMs)],
    ['col.segments', () => String(r.segments)],
    ['col.gaps', () => String(r.gaps)],
    ['col.state', () => recordingStateText(r.state)],
    ['col.confidentiality', () => confidentialityText(r.confidentiality)],
  ]);
}

function showVerification(el: HTMLElement, v: Verification): void {
  el.dataset.ok = String(v.ok);
  el.className = `verification ${v.ok ? 'ok' : 'failed'}`;
  const headline = h('strong');
  setText(headline, () => t(v.ok ? 'verify.ok' : 'verify.failed'));
  const detail = h('span');
  const first = v.problems[0];
  setText(detail, () =>
    !v.ok && first !== undefined
      ? t('verify.problem', { idx: first.idx, message: first.message })
      : t('verify.summary', { segments: v.segments, gaps: v.gaps, checkpoints: v.checkpointsChecked }) + (v.manifestChecked ? t('verify.manifest') : ''),
  );
  el.replaceChildren(headline, detail);
}

/** Chromium refuses unmuted autoplay without a user gesture (a replay opened by reload or a
 * pasted link); playing muted keeps the evidence on screen, and the controls can unmute. */
function play(video: HTMLVideoElement): void {
  video.play().catch((err: unknown) => {
    if (err instanceof DOMException && err.name === 'NotAllowedError') {
      video.muted = true;
      video.play().catch(() => undefined);
    }
  });
}

/** Resolves once the session's playlist lists a segment: the first one is marked. */
async function untilFirstSegment(playlistUrl: string, signal: AbortSignal): Promise<void> {
  for (;;) {
    const res = await fetch(playlistUrl, { signal });
    if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
    if ((await res.text()).split('\n').some((line) => line !== '' && !line.startsWith('#'))) return;
    await new Promise<void>((resolve) => setTimeout(resolve, MARKING_POLL_MS));
  }
}

export function replayPage({ root, signal, params }: PageContext): void {
  const id = params[0] ?? '';
  const frame = createPlayerFrame({ live: false });
  const { container, video } = frame;
  const timeline = createTimeline((seconds) => {
    video.currentTime = seconds;
  });
  const title = h('span');
  const problem = h('p', { class: 'notice error', hidden: '' });
  const marking = h('p', { 'data-testid': 'marking', class: 'notice', hidden: '' });
  const unmarkedNote = h('p', { 'data-testid': 'unmarked', class: 'notice', hidden: '' });
  const info = h('div', { class: 'card' }, label('loading'));
  const verification = h('div', { 'data-testid': 'verification', class: 'verification' }, label('verify.running'));
  const fullscreen = h('button', { type: 'button', class: 'secondary' }, label('replay.fullscreen'));
  // The container, not the video, goes full screen: the watermark must come along.
  fullscreen.addEventListener('click', () => void container.requestFullscreen().catch(() => undefined));
  const redaction = createRedactionPanel(id, video, signal);
  const retention = createRetentionPanel(signal);

  root.append(
    h('div', { class: 'page-head' }, h('a', { href: '#/recordings', class: 'back' }, label('replay.back')), h('h1', {}, label('replay.title'), ' · ', title), fullscreen),
    h(
      'div',
      { class: 'replay-layout' },
      h(
        'div',
        { class: 'replay-main' },
        container,
        marking,
        unmarkedNote,
        problem,
        h('section', { class: 'card' }, h('h2', {}, label('replay.timeline')), timeline.el),
        ...(redaction ? [redaction] : []),
      ),
      h('aside', { class: 'replay-aside' }, info, verification, retention.el, createJobList(id, signal), createSharePanel(id, signal)),
    ),
  );

  /** Trouble with the playback itself; the info and verification cards report their own. */
  const showProblem = (message: () => string): void => {
    problem.hidden = false;
    setText(problem, message);
  };

  /** The session's held tail (marked-prefix.ts on the server): shown until the playlist lists every segment. */
  const showMarking = (progress: PlaybackSession['marking']): void => {
    marking.hidden = progress === null;
    if (progress) setText(marking, () => t('replay.marking', progress));
  };

  /**
   * A sound recording plays through the same media element (hls.js, audio-only HLS) with a still in
   * the picture's place, and says why it is not watermarked (server: marked-prefix.ts unmarkedReason).
   */
  const showAudioOnly = (): void => {
    showUnmarked('audio_only');
    if (container.classList.contains('audio-only')) return;
    container.classList.add('audio-only');
    container.prepend(h('div', { 'data-testid': 'audio-still', class: 'audio-still' }, label('replay.audio_still')));
  };

  /** Why what is shown carries no forensic mark (server: marked-prefix.ts unmarkedReason). */
  const showUnmarked = (reason: 'audio_only' | 'photo'): void => {
    unmarkedNote.hidden = false;
    setText(unmarkedNote, () => t(`replay.${reason}`));
  };

  let playback: Playback | null = null;
  /** a photo recording's picture, shown once: it has no playlist to renew */
  let photo: (() => void) | null = null;
  // Whether the current session has played: a session that fails before it could play is not
  // renewed again, or an unplayable recording would open sessions forever.
  let settled = false;

  const open = async (startPosition: number | undefined, autoplay: boolean): Promise<void> => {
    const session = await createPlaybackSession({ recordingId: id }, signal);
    showMarking(session.marking);
    if (session.unmarked === 'audio_only') showAudioOnly();
    if (session.photoUrl) {
      showUnmarked('photo');
      photo ??= showPhoto(container, session.photoUrl, session.watermark);
      // Redaction cuts and masks spans of video: a photo has none.
      redaction?.remove();
      return;
    }
    // hls.js gives up on a playlist with no segment within seconds; the first mark may take longer.
    if (session.marking?.marked === 0) await untilFirstSegment(session.playlistUrl, signal);
    playback?.destroy();
    settled = false;
    frame.watermark.show(session.watermark);
    const total = session.marking?.segments;
    // A held playlist has no ENDLIST, which hls.js takes for live and would join at its end: a replay starts at 0.
    playback = attachPlaylist(container, video, session.playlistUrl, {
      startPosition: startPosition ?? 0,
      onFatal,
      onPlaylist: ({ segments, ended }) => total !== undefined && showMarking(ended || segments >= total ? null : { marked: segments, segments: total }),
    });
    problem.hidden = true;
    if (autoplay) play(video);
  };

  // Segment URLs are signed for a short while; when they lapse mid-replay (a long pause, a seek
  // far ahead) a new session picks up where the video stood.
  function onFatal(error: FatalError): void {
    if (isNetworkError(error) && settled) {
      open(video.currentTime, !video.paused).catch((err: unknown) => {
        if (!signal.aborted) showProblem(() => describeError(err));
      });
      return;
    }
    showProblem(() => t('player.fatal', { details: `${error.type}/${error.details}` }));
  }

  video.addEventListener('canplay', () => {
    settled = true;
  });
  video.addEventListener('timeupdate', () => timeline.setTime(video.currentTime));

  open(undefined, true).catch((err: unknown) => {
    if (!signal.aborted) showProblem(() => describeError(err));
  });

  getRecording(id, signal).then(
    ({ recording, timeline: entries }) => {
      title.textContent = recording.deviceName;
      info.replaceChildren(recordingInfo(recording));
      retention.show(recording);
      timeline.setEntries(entries);
      timeline.setTime(video.currentTime);
      // Workers make the sprite once a recording is closed; asked only now, with a token this call just proved
      // good. Without thumbnails the timeline still works, so a failure here is not shown.
      if (recording.state === 'closed') {
        loadThumbnails(id, signal).then(
          (cues) => cues && timeline.setThumbnails(cues),
          () => undefined,
        );
      }
    },
    (err: unknown) => {
      if (signal.aborted) return;
      const message = h('p', { class: 'error' });
      setText(message, () => describeError(err));
      info.replaceChildren(message);
    },
  );

  getVerification(id, signal).then(
    (v) => showVerification(verification, v),
    (err: unknown) => {
      if (signal.aborted) return;
      const message = h('span');
      setText(message, () => t('verify.error', { error: describeError(err) }));
      verification.replaceChildren(message);
    },
  );

  signal.addEventListener('abort', () => {
    playback?.destroy();
    photo?.();
    frame.destroy();
  });
}
