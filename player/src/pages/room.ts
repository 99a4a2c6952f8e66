/**
 * #/rooms/<id>: the supervised viewing room (004 §18), for both sides. The party sees "waiting"
 * until a custodian joins, then one player per granted recording under the visible watermark
 * (their name, number, session, the time); the forensic mark is in the bytes the server picks.
 * The supervisor sees the room's state and the buttons to pause, resume and end it. The state is
 * asked every second: a pause or an end takes the players down at once (the server has already
 * stopped serving them).
 */
import { createRoomSession, getRoom, partyErrorText, type Room } from '../api-party.ts';
import { h } from '../dom.ts';
import { infoList } from '../info-list.ts';
import { DASH } from '../format.ts';
import { attachPlaylist, type Playback } from '../hls-player.ts';
import { label, setText, t } from '../i18n.ts';
import { roomStateText, windowText } from '../party-labels.ts';
import { createPlayerFrame, type PlayerFrame } from '../player-frame.ts';
import { roomControls } from '../room-controls.ts';
import type { PageContext } from '../router.ts';
import { currentUser } from '../session.ts';

const POLL_MS = 1000;

interface Player {
  frame: PlayerFrame;
  playback: Playback | null;
}

function roomInfo(room: Room): HTMLDListElement {
  return infoList([
    ['party.room.party', () => (room.party ? `${room.party.name}（${room.party.badge}）` : DASH)],
    ['party.room.supervisor', () => room.supervisor?.name ?? DASH],
    ['party.room.window', () => windowText(room.windowFrom, room.windowUntil)],
    ['party.room.viewings', () => `${room.viewingsUsed} / ${room.viewingsLeft}`],
  ]);
}

function noticeFor(room: Room): () => string {
  if (room.state === 'waiting') return () => t('party.room.waiting');
  if (room.state === 'paused') return () => t('party.room.paused');
  return () => t('party.room.ended') + (room.endReason ? t(`party.room.endReason.${room.endReason}` as const) : '');
}

export function roomPage({ root, signal, params }: PageContext): void {
  const id = params[0] ?? '';
  const isParty = currentUser()?.role === 'party';
  const state = h('span', { 'data-testid': 'room-state', class: 'state' });
  const info = h('div', { class: 'card' }, label('loading'));
  const controls = h('div');
  const problem = h('p', { class: 'form-error', hidden: '' });
  const stepProblem = h('p', { class: 'form-error', 'data-testid': 'room-step-problem', hidden: '' });
  const notice = h('p', { class: 'notice', 'data-testid': 'room-notice', hidden: '' });
  const players = h('div', { class: 'wall-grid' });
  root.append(
    h('div', { class: 'page-head' }, h('a', { href: isParty ? '#/party' : '#/rooms', class: 'back' }, label('party.room.back')), h('h1', {}, label('party.room.title'), ` · ${id}`), state),
    info,
    controls,
    stepProblem,
    problem,
    notice,
    players,
  );

  let shown: Room | null = null;
  let playing: Player[] = [];

  const stopPlaying = (): void => {
    for (const p of playing) {
      p.playback?.destroy();
      p.frame.destroy();
    }
    playing = [];
    players.replaceChildren();
  };

  /** One player per granted recording, each in a session of its own bound to this room. */
  const startPlaying = (room: Room): void => {
    for (const rec of room.recordings) {
      const frame = createPlayerFrame({ live: false });
      const player: Player = { frame, playback: null };
      const failed = h('p', { class: 'form-error', 'data-testid': 'room-play-problem', hidden: '' });
      playing.push(player);
      players.append(
        h(
          'section',
          { class: 'card', 'data-testid': 'room-player', 'data-recording-id': rec.recordingId },
          h('h2', { class: 'mono' }, rec.recordingId, rec.redacted ? label('party.redacted') : ''),
          frame.container,
          failed,
        ),
      );
      createRoomSession(room.roomId, rec.recordingId, signal).then(
        (session) => {
          if (!playing.includes(player)) return;
          frame.watermark.show(session.watermark);
          player.playback = attachPlaylist(frame.container, frame.video, session.playlistUrl);
          frame.video.muted = true;
          frame.video.play().catch(() => undefined);
        },
        (err: unknown) => {
          if (signal.aborted) return;
          failed.hidden = false;
          setText(failed, () => partyErrorText(err));
        },
      );
    }
  };

  const show = (room: Room): void => {
    const changed = shown?.state !== room.state;
    shown = room;
    state.dataset.state = room.state;
    state.className = `state state-${room.state}`;
    setText(state, () => roomStateText(room.state));
    info.replaceChildren(roomInfo(room));
    if (!changed) return;
    if (!isParty) controls.replaceChildren(roomControls(room, signal, stepProblem, show));
    notice.hidden = room.state === 'open';
    setText(notice, noticeFor(room));
    if (isParty) {
      stopPlaying();
      if (room.state === 'open') startPlaying(room);
    }
  };

  let pollTimer: ReturnType<typeof setTimeout> | undefined;
  const poll = async (): Promise<void> => {
    try {
      show(await getRoom(id, signal));
      problem.hidden = true;
    } catch (err) {
      if (signal.aborted) return;
      problem.hidden = false;
      setText(problem, () => partyErrorText(err));
    }
    if (!signal.aborted && shown?.state !== 'ended') pollTimer = setTimeout(() => void poll(), POLL_MS);
  };
  signal.addEventListener('abort', () => {
    clearTimeout(pollTimer);
    stopPlaying();
  });
  void poll();
}
