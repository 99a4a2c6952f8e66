/**
 * The replay's scrub thumbnails: a WebVTT track whose cues point at tiles of a sprite sheet
 * (`sprite.jpg#xywh=x,y,w,h`, relative to the track). Both are fetched with the access token, as
 * every API call is; the sheet then becomes a data: URL, because an <img> or a CSS url() cannot
 * send the token and the page's CSP allows images only from 'self' and data:.
 */
import { loadSession } from './session.ts';

export interface ThumbnailCue {
  /** seconds of replay video */
  start: number;
  end: number;
  /** data: URL of the sheet holding the tile */
  sheet: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

interface TrackCue {
  start: number;
  end: number;
  url: string;
  xywh: [number, number, number, number];
}

/** Null while the server has not made them yet (404 not_ready), or on any other trouble: the timeline works without. */
export async function loadThumbnails(recordingId: string, signal: AbortSignal): Promise<ThumbnailCue[] | null> {
  const trackUrl = new URL(`/api/recordings/${encodeURIComponent(recordingId)}/thumbnails.vtt`, location.href);
  const track = await authorizedGet(trackUrl, signal);
  if (track === null) return null;
  const cues = parseThumbnailTrack(await track.text(), trackUrl);
  const sheets = new Map<string, Promise<string | null>>();
  for (const cue of cues) if (!sheets.has(cue.url)) sheets.set(cue.url, fetchDataUrl(new URL(cue.url), signal));
  const loaded: ThumbnailCue[] = [];
  for (const cue of cues) {
    const sheet = await sheets.get(cue.url)!;
    if (sheet === null) return null;
    const [x, y, w, h] = cue.xywh;
    loaded.push({ start: cue.start, end: cue.end, sheet, x, y, w, h });
  }
  return loaded;
}

/** Cues of the form `<start> --> <end>` then `<url>#xywh=x,y,w,h`; anything else is skipped. */
function parseThumbnailTrack(text: string, base: URL): TrackCue[] {
  const cues: TrackCue[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length - 1; i++) {
    const times = /^(\S+)\s+-->\s+(\S+)/.exec(lines[i]!);
    const target = /^(.+)#xywh=(\d+),(\d+),(\d+),(\d+)$/.exec(lines[i + 1]!.trim());
    if (times === null || target === null) continue;
    const url = new URL(target[1]!, base);
    // The token goes with the sheet's request: never to another origin, whatever a track says.
    if (url.origin !== base.origin) continue;
    url.hash = '';
    cues.push({ start: seconds(times[1]!), end: seconds(times[2]!), url: url.href, xywh: [Number(target[2]), Number(target[3]), Number(target[4]), Number(target[5])] });
  }
  return cues;
}

/** `hh:mm:ss.ttt` or `mm:ss.ttt` */
function seconds(time: string): number {
  return time.split(':').reduce((total, part) => total * 60 + Number(part), 0);
}

async function authorizedGet(url: URL, signal: AbortSignal): Promise<Response | null> {
  const token = loadSession()?.accessToken;
  if (token === undefined) return null;
  const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` }, signal });
  return res.ok ? res : null;
}

async function fetchDataUrl(url: URL, signal: AbortSignal): Promise<string | null> {
  const res = await authorizedGet(url, signal);
  if (res === null) return null;
  const blob = await res.blob();
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result as string);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}
