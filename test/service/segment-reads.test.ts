/**
 * Viewers at the live edge ask for a new segment all at once, before the segment cache has it:
 * PlaybackService reads it from the store and hashes it once for all of them, and still audits
 * every request — served, or refused for bytes that no longer match their ledger hash.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../server/crypto/hash.ts';
import type { PlaybackService } from '../../server/playback/playback-service.ts';
import { CTX, playbackOf, signedQuery } from './playback.ts';
import { bodycam, DAY, HOUR, marked, openWorld, refusalOf, sealed, signedIn, T0, type World } from './world.ts';

const VIEWERS = 12;

let w: World;
let playback: PlaybackService;
/** a marked variant's object key → how often the store was asked for it */
const reads = new Map<string, number>();
/** reads of marked variants wait for this, so that every request reaches the store before the first read ends */
let release: () => void = () => {};
/** the store's own read, for setting up */
let storedBytes: (key: string) => Promise<Buffer>;

beforeAll(async () => {
  w = await openWorld();
  playback = playbackOf(w);
  const get = (storedBytes = w.store.get.bind(w.store));
  w.store.get = async (key) => {
    if (!key.includes('.mark_')) return get(key);
    reads.set(key, (reads.get(key) ?? 0) + 1);
    await new Promise<void>((r) => {
      const before = release;
      release = () => {
        before();
        r();
      };
    });
    return get(key);
  };
});
afterAll(async () => w?.close());

/** A replay with its marked variants stored: as sealed, or (`tampered`) with other bytes under the same names. */
async function replay(tampered: boolean): Promise<string> {
  const recordingId = await sealed(w, await bodycam(w), new Date(T0.getTime() - HOUR));
  await marked(w, recordingId);
  const variants = await w.db.selectFrom('derivatives').select(['object_key', 'idx']).where('recording_id', '=', recordingId).execute();
  for (const v of variants) {
    const original = await w.db.selectFrom('ledger_entries').select('object_key').where('recording_id', '=', recordingId).where('idx', '=', v.idx).executeTakeFirstOrThrow();
    const bytes = tampered ? Buffer.from('other bytes') : await storedBytes(original.object_key!);
    await w.store.putOnce(v.object_key, bytes, { sha256: sha256Hex(bytes), retainUntil: new Date(T0.getTime() + DAY) });
  }
  reads.clear();
  return recordingId;
}

/** VIEWERS sessions asking for the replay's first segment at once; each request's outcome. */
async function askedAtOnce(recordingId: string): Promise<(string | null)[]> {
  const sessions = await Promise.all(Array.from({ length: VIEWERS }, async () => playback.createSession(await signedIn(w, 'commander'), { recordingId }, CTX)));
  const asks = await Promise.all(
    sessions.map(async (s) => {
      const playlist = await playback.playlist(s.sessionId, 'index', signedQuery(s.playlistUrl), CTX);
      const uri = playlist.split('\n').find((l) => l.includes('.ts?'))!;
      const [, idx] = /\/(\d+)\.ts\?/.exec(uri)!;
      return () => refusalOf(playback.segment(s.sessionId, recordingId, Number(idx), signedQuery(uri), CTX));
    }),
  );
  const outcomes = Promise.all(asks.map((ask) => ask()));
  // Every request has reached the store (or is waiting on a read under way) once the loop is idle.
  await new Promise((r) => setTimeout(r, 200));
  release();
  return outcomes;
}

async function audited(recordingId: string) {
  await w.audit.flush();
  return (await w.audit.query({ action: 'playback.segment' })).filter((e) => e.subject === recordingId).map((e) => e.outcome);
}

describe('a segment asked for by many viewers at once', () => {
  it('is read from the store once, and each request is served and audited', async () => {
    const recordingId = await replay(false);
    expect(await askedAtOnce(recordingId)).toEqual(Array(VIEWERS).fill(null));
    // Each session's codeword picks variant A or B of the segment: one read of each at most.
    expect([...reads.values()]).toEqual(reads.size === 2 ? [1, 1] : [1]);
    expect(await audited(recordingId)).toEqual(Array(VIEWERS).fill('ok'));
  });

  it('that no longer matches its hash is refused to each, each refusal audited, and nothing cached', async () => {
    const recordingId = await replay(true);
    expect(await askedAtOnce(recordingId)).toEqual(Array(VIEWERS).fill('integrity'));
    expect([...reads.values()]).toEqual(reads.size === 2 ? [1, 1] : [1]);
    expect(await audited(recordingId)).toEqual(Array(VIEWERS).fill('error'));
    reads.clear();
    expect(await askedAtOnce(recordingId)).toEqual(Array(VIEWERS).fill('integrity'));
    expect([...reads.values()]).toEqual(reads.size === 2 ? [1, 1] : [1]);
  });
});
