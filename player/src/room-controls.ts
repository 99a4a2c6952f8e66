/** The supervisor's buttons for a viewing room: join while it waits, pause or resume, end. */
import { partyErrorText, type Room, type RoomStep, roomStep } from './api-party.ts';
import { h } from './dom.ts';
import { label, setText } from './i18n.ts';

const STEPS_FROM: Record<Room['state'], RoomStep[]> = {
  waiting: ['join', 'end'],
  open: ['pause', 'end'],
  paused: ['resume', 'end'],
  ended: [],
};

/** `onChange` gets the room as the server answered; `problem` shows a refused step. */
export function roomControls(room: Room, signal: AbortSignal, problem: HTMLElement, onChange: (room: Room) => void): HTMLElement {
  const el = h('span', { class: 'room-controls' });
  for (const step of STEPS_FROM[room.state]) {
    const b = h('button', { type: 'button', class: step === 'join' ? 'primary' : 'secondary', 'data-testid': `room-${step}` }, label(`party.room.${step}` as const));
    b.addEventListener('click', () => {
      b.disabled = true;
      problem.hidden = true;
      roomStep(room.roomId, step, signal).then(onChange, (err: unknown) => {
        problem.hidden = false;
        setText(problem, () => partyErrorText(err));
        b.disabled = false;
      });
    });
    el.append(b, ' ');
  }
  return el;
}
