/**
 * The one way to the server. Every call but sign-in and refresh carries the access token; a 401
 * gets one refresh and one retry, and if that fails the session is dropped and the official is
 * sent back to sign-in. Tokens never leave sessionStorage except in these requests.
 */
import { t } from './i18n.ts';
import { clearSession, loadSession, noteSessionEnded, saveSession } from './session.ts';
import type { AuditEvent, AuthSession, Device, Job, LiveFeed, PlaybackSession, Recording, TimelineEntry, Verification } from './types.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly body: Record<string, unknown>,
  ) {
    super(`${status} ${code}`);
  }
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH';

function send(method: Method, path: string, body: unknown, signal?: AbortSignal, token?: string): Promise<Response> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token !== undefined) headers.Authorization = `Bearer ${token}`;
  return fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
}

async function parse<T>(res: Response): Promise<T> {
  if (res.status === 204) return undefined as T;
  // A proxy in front of the server may answer errors in HTML; the status still says enough.
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) {
    throw new ApiError(res.status, typeof body.error === 'string' ? body.error : `http_${res.status}`, body);
  }
  return body as T;
}

let refreshing: Promise<boolean> | null = null;

/**
 * The refresh token is spent on use, so requests that hit 401 together must share one refresh:
 * a second refresh with the same token would fail and sign the official out.
 */
function refreshOnce(): Promise<boolean> {
  refreshing ??= (async () => {
    const refreshToken = loadSession()?.refreshToken;
    if (refreshToken === undefined) return false;
    try {
      saveSession(await parse<AuthSession>(await send('POST', '/api/auth/refresh', { refreshToken })));
      return true;
    } catch (err) {
      if (err instanceof ApiError) noteIdle(err.code);
      return false;
    }
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/**
 * Whichever token finds the session idle (the access token, or the refresh after it expired) ends
 * it, and the official is told why at sign-in; the other token then meets a plain revoked session.
 */
function noteIdle(code: string): void {
  if (code === 'session_idle') noteSessionEnded(code);
}

async function noteIfIdle(res: Response): Promise<void> {
  const body = (await res
    .clone()
    .json()
    .catch(() => ({}))) as { error?: unknown };
  if (typeof body.error === 'string') noteIdle(body.error);
}

function backToSignIn(): ApiError {
  clearSession();
  location.replace('#/sign-in');
  return new ApiError(401, 'unauthorized', {});
}

/** `body` is built at each send: a refresh in between replaces the refresh token sign-out names. */
async function authorized(method: Method, path: string, signal?: AbortSignal, body?: () => unknown): Promise<Response> {
  const sentWith = loadSession()?.accessToken;
  if (sentWith === undefined) throw backToSignIn();
  let res = await send(method, path, body?.(), signal, sentWith);
  if (res.status === 401) {
    await noteIfIdle(res);
    // Another request may have refreshed while this one was in flight; then just retry.
    const fresh = loadSession()?.accessToken;
    if (fresh === sentWith && !(await refreshOnce())) throw backToSignIn();
    const token = loadSession()?.accessToken;
    if (token === undefined) throw backToSignIn();
    res = await send(method, path, body?.(), signal, token);
    if (res.status === 401) throw backToSignIn();
  }
  return res;
}

export async function request<T>(method: Method, path: string, signal?: AbortSignal, body?: () => unknown): Promise<T> {
  return parse<T>(await authorized(method, path, signal, body));
}

/** A file from the API (CSV, an export), with the same token refresh as `request`; errors as ApiError. */
export async function download(path: string, signal?: AbortSignal): Promise<Response> {
  const res = await authorized('GET', path, signal);
  if (!res.ok) await parse(res);
  return res;
}

export async function signIn(badge: string, password: string): Promise<AuthSession> {
  const session = await parse<AuthSession>(await send('POST', '/api/auth/sign-in', { badge, password }));
  saveSession(session);
  return session;
}

export async function signOut(): Promise<void> {
  try {
    await request<void>('POST', '/api/auth/sign-out', undefined, () => ({ refreshToken: loadSession()?.refreshToken }));
  } finally {
    // Signed out locally even if the server could not be told: the tab must not stay usable.
    clearSession();
  }
}

export function getLive(signal: AbortSignal): Promise<{ feeds: LiveFeed[] }> {
  return request('GET', '/api/live', signal);
}

export function getRecordings(signal: AbortSignal): Promise<{ recordings: Recording[] }> {
  return request('GET', '/api/recordings', signal);
}

export function getDevices(signal: AbortSignal): Promise<{ devices: Device[] }> {
  return request('GET', '/api/devices', signal);
}

export function getRecording(id: string, signal: AbortSignal): Promise<{ recording: Recording; timeline: TimelineEntry[] }> {
  return request('GET', `/api/recordings/${encodeURIComponent(id)}`, signal);
}

export function getVerification(id: string, signal: AbortSignal): Promise<Verification> {
  return request('GET', `/api/recordings/${encodeURIComponent(id)}/verification`, signal);
}

export function createPlaybackSession(target: { recordingId: string } | { deviceId: string }, signal: AbortSignal): Promise<PlaybackSession> {
  return request('POST', '/api/playback-sessions', signal, () => target);
}

/** `subject`: a recording id, or an export id. */
export function getJobs(subject: string, signal: AbortSignal): Promise<{ jobs: Job[] }> {
  return request('GET', `/api/jobs?subject=${encodeURIComponent(subject)}`, signal);
}

export interface AuditQuery {
  viewer?: string;
  recording?: string;
  since?: string;
  limit: number;
}

export function getAudit(query: AuditQuery, signal: AbortSignal): Promise<{ events: AuditEvent[] }> {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(name, String(value));
  }
  return request('GET', `/api/audit?${params}`, signal);
}

/** A failed call in words for the page, in the current language. */
export function describeError(err: unknown): string {
  if (!(err instanceof ApiError)) return t('error.network');
  if (err.status === 403) return t('error.forbidden');
  if (err.status === 404) return t('error.notFound');
  return t('error.generic', { code: err.code });
}
