/**
 * One viewer as an HLS player behaves at the live edge, without think time: fetch the playlist,
 * fetch the newest segment in it, again. A master playlist (liuhen's sessions start at one) is
 * read once for its last variant, as a player picks its variant once, and that media playlist is
 * the one looped. Run V of them concurrently to load a server.
 */
import type { Dispatcher } from 'undici';

export interface LoopStats {
  ok: number;
  failed: number;
  bytes: number;
  /** request latencies in ms, by kind, for requests that finished inside the measured window */
  latency: { playlist: number[]; segment: number[] };
  measured: number;
}

export function emptyStats(): LoopStats {
  return { ok: 0, failed: 0, bytes: 0, latency: { playlist: [], segment: [] }, measured: 0 };
}

async function get(pool: Dispatcher, path: string): Promise<{ status: number; body: Buffer }> {
  const res = await pool.request({ method: 'GET', path, headers: { 'user-agent': 'liuhen-bench/1' } });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, body };
}

/** The last URI line of a playlist: a media playlist's newest segment, a master's last variant. */
function lastUri(playlist: Buffer): string | undefined {
  return playlist
    .toString()
    .trimEnd()
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .pop();
}

export async function viewerLoop(pool: Dispatcher, firstPath: string, until: number, window: { from: number; to: number }, stats: LoopStats): Promise<void> {
  const base = firstPath.slice(0, firstPath.lastIndexOf('/') + 1);
  const resolve = (uri: string) => (uri.startsWith('/') ? uri : base + uri);
  const timed = async (kind: 'playlist' | 'segment', path: string) => {
    const t0 = performance.now();
    const res = await get(pool, path).catch(() => ({ status: 0, body: Buffer.alloc(0) }));
    const now = Date.now();
    if (res.status === 200) stats.ok++;
    else stats.failed++;
    if (now >= window.from && now < window.to) {
      stats.latency[kind].push(performance.now() - t0);
      stats.measured++;
      stats.bytes += res.body.length;
    }
    return res;
  };
  let playlistPath = firstPath;
  while (Date.now() < until) {
    const playlist = await timed('playlist', playlistPath);
    const newest = lastUri(playlist.body);
    if (!newest) continue;
    if (playlist.body.includes('#EXT-X-STREAM-INF')) playlistPath = resolve(newest);
    else await timed('segment', resolve(newest));
  }
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
