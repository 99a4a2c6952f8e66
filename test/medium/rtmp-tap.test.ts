/**
 * node-media-server inside liuhen keeps only what liuhen's FLV tap needs: no RTMP copy of each
 * packet nor a GOP of them (nobody can play RTMP from liuhen), while the FLV GOP cache a retap
 * starts from is kept, so a new tap begins with the headers and the current GOP's keyframe; nor
 * a history of finished publishes in its store.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { BaseSession, type NmsBroadcast, nmsContext } from '../../server/ingest/node-media-server.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { publish } from '../helpers/publisher.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

interface Tag {
  type: number;
  dts: number;
  data: Buffer;
}

/** The FLV header, then the tags of `flv`. */
function parseFlv(flv: Buffer): { header: Buffer; tags: Tag[] } {
  const tags: Tag[] = [];
  for (let at = 13; at + 11 <= flv.length;) {
    const size = flv.readUIntBE(at + 1, 3);
    tags.push({ type: flv[at]!, dts: flv.readUIntBE(at + 4, 3) | (flv[at + 7]! << 24), data: flv.subarray(at + 11, at + 11 + size) });
    at += 11 + size + 4;
  }
  return { header: flv.subarray(0, 13), tags };
}

describe('the RTMP ingest', () => {
  let server: RunningServer | undefined;
  afterAll(async () => server?.stop());

  it('keeps no RTMP copies, and a new FLV tap starts with the headers and the current keyframe', async () => {
    server = await startTestServer(await testEnv());
    const { device, credential } = await server.core.devices.add({ kind: 'bodycam', officerBadge: 'T1' }, 'test');
    const camera = publish(server.publishUrl(device.id, credential), 10);
    try {
      const broadcast = await waitFor('a GOP in the cache', () => {
        const b: NmsBroadcast | undefined = nmsContext.broadcasts.get(`/live/${device.id}`);
        return b?.publisher && (b.flvGopCache?.size ?? 0) > 2 ? b : undefined;
      });
      expect(broadcast.rtmpGopCache).toBeNull();

      // What RtmpIngest's retap does for a segmenter started again.
      const received: Buffer[] = [];
      const tap = new BaseSession();
      tap.protocol = 'flv';
      tap.streamPath = broadcast.publisher!.streamPath;
      tap.sendBuffer = (b) => received.push(Buffer.from(b));
      broadcast.postPlay(tap);
      await new Promise((r) => setTimeout(r, 500));
      broadcast.donePlay(tap);

      const { header, tags } = parseFlv(Buffer.concat(received));
      expect(header.subarray(0, 3).toString('latin1')).toBe('FLV');
      // Script data (onMetaData), the AAC and the AVC sequence headers, then the GOP from its keyframe.
      expect(tags.slice(0, 3).map((t) => t.type)).toEqual([18, 8, 9]);
      expect(tags[1]!.data[1]).toBe(0); // AAC sequence header
      expect(tags[2]!.data[1]).toBe(0); // AVC sequence header
      const firstVideo = tags.slice(3).find((t) => t.type === 9)!;
      expect(firstVideo.data[0]! >> 4).toBe(1); // keyframe
      expect(firstVideo.data[1]).toBe(1); // AVC NALU
      const later = tags.slice(3).filter((t) => t.type === 9);
      expect(later.length).toBeGreaterThan(5);
      for (let i = 1; i < later.length; i++) expect(later[i]!.dts).toBeGreaterThanOrEqual(later[i - 1]!.dts);

      camera.stop();
      await waitFor('the publish to end', () => !nmsContext.broadcasts.get(`/live/${device.id}`)?.publisher);
      // The library's own history of publishes, which it rewrites whole at each, stays empty.
      expect(nmsContext.store!.collection('stream_history').all()).toEqual([]);
    } finally {
      camera.stop();
    }
  });
});
