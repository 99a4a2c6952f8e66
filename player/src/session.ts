/**
 * The signed-in session lives in sessionStorage: it survives a reload but not the tab, so a
 * shared workstation does not keep an official signed in after the window is closed.
 */
import type { AuthSession, User } from './types.ts';

const KEY = 'liuhen.session';

export function loadSession(): AuthSession | null {
  const raw = sessionStorage.getItem(KEY);
  if (raw === null) return null;
  try {
    return JSON.parse(raw) as AuthSession;
  } catch {
    sessionStorage.removeItem(KEY);
    return null;
  }
}

export function saveSession(session: AuthSession): void {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}

const ENDED_KEY = 'liuhen.sessionEnded';

/** Why the server ended the session (`session_idle`), kept for the sign-in page to say once. */
export function noteSessionEnded(code: string): void {
  sessionStorage.setItem(ENDED_KEY, code);
}

export function takeSessionEnded(): string | null {
  const code = sessionStorage.getItem(ENDED_KEY);
  sessionStorage.removeItem(ENDED_KEY);
  return code;
}

export function currentUser(): User | null {
  return loadSession()?.user ?? null;
}

/** Signed in with a one-time password: only the password change is open until it is done. */
export function passwordDue(): boolean {
  return loadSession()?.mustChangePassword === true;
}

export function passwordChanged(): void {
  const session = loadSession();
  if (session !== null) saveSession({ ...session, mustChangePassword: false });
}
