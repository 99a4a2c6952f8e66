/**
 * Counts the video frames of an MPEG-TS segment without decoding it: ffmpeg's TS muxer (which
 * cut every original) starts one PES packet per video frame. A trace decodes a recording's
 * segments as one stream and needs to know where each segment's frames begin.
 */
const PACKET = 188;
const SYNC = 0x47;

export function videoFrameCount(ts: Buffer): number {
  let frames = 0;
  for (let at = 0; at + PACKET <= ts.length; at += PACKET) {
    if (ts[at] !== SYNC) throw new Error(`not an MPEG-TS packet at byte ${at}`);
    const unitStart = (ts[at + 1]! & 0x40) !== 0;
    const adaptation = (ts[at + 3]! >> 4) & 3;
    if (!unitStart || !(adaptation & 1)) continue;
    const payload = at + 4 + (adaptation & 2 ? 1 + ts[at + 4]! : 0);
    // A PES header: start code 00 00 01, then a stream id of 0xE0–0xEF for video.
    if (ts[payload] === 0 && ts[payload + 1] === 0 && ts[payload + 2] === 1 && (ts[payload + 3]! & 0xf0) === 0xe0) frames++;
  }
  return frames;
}
