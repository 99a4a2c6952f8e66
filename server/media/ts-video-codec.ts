/**
 * Which video codec an MPEG-TS segment carries, read from its program map (ISO/IEC 13818-1
 * stream_type) — no ffprobe process on a playlist request. Playback needs it because browsers
 * mostly cannot decode H.265: such a camera's originals are never offered to them. Pure.
 */
export type VideoCodec = 'h264' | 'hevc' | 'other';

const TS_PACKET = 188;
const PAT_PID = 0;
const TABLE_PAT = 0x00;
const TABLE_PMT = 0x02;
/** stream_type values of video; 0x06 (private data) may be anything and is not counted */
const VIDEO_STREAM_TYPES = new Map<number, VideoCodec>([
  [0x01, 'other'], // MPEG-1 video
  [0x02, 'other'], // MPEG-2 video
  [0x10, 'other'], // MPEG-4 part 2
  [0x1b, 'h264'],
  [0x24, 'hevc'],
]);

/** The first video stream's codec, or undefined when no program map with video is found. */
export function tsVideoCodec(bytes: Buffer): VideoCodec | undefined {
  const pmtPids = new Set<number>();
  for (let at = 0; at + TS_PACKET <= bytes.length; at += TS_PACKET) {
    const section = sectionOf(bytes.subarray(at, at + TS_PACKET));
    if (!section) continue;
    if (section.pid === PAT_PID && section.tableId === TABLE_PAT) {
      // entries: program_number (2 bytes), then the program's PMT PID; program 0 names the NIT
      for (let i = 8; i + 4 <= section.end; i += 4) if (section.body.readUInt16BE(i) !== 0) pmtPids.add(section.body.readUInt16BE(i + 2) & 0x1fff);
    } else if (pmtPids.has(section.pid) && section.tableId === TABLE_PMT) {
      const programInfoLength = section.body.readUInt16BE(10) & 0x0fff;
      for (let i = 12 + programInfoLength; i + 5 <= section.end; i += 5 + (section.body.readUInt16BE(i + 3) & 0x0fff)) {
        const codec = VIDEO_STREAM_TYPES.get(section.body[i]!);
        if (codec) return codec;
      }
    }
  }
  return undefined;
}

/**
 * The table section starting in a packet, if it starts there and fits in it (ffmpeg's PAT and
 * PMT always do). `end`: where the entries end within `body`, before the CRC.
 */
function sectionOf(packet: Buffer): { pid: number; tableId: number; body: Buffer; end: number } | undefined {
  if (packet[0] !== 0x47 || (packet[1]! & 0x40) === 0) return undefined;
  const pid = packet.readUInt16BE(1) & 0x1fff;
  const adaptation = (packet[3]! >> 4) & 0x3;
  if ((adaptation & 0x1) === 0) return undefined;
  let off = 4;
  if (adaptation === 0x3) off += 1 + packet[4]!;
  if (off >= TS_PACKET) return undefined;
  off += 1 + packet[off]!; // pointer_field
  if (off + 3 > TS_PACKET) return undefined;
  const body = packet.subarray(off);
  const sectionLength = body.readUInt16BE(1) & 0x0fff;
  const end = 3 + sectionLength - 4;
  if (end > body.length || end < 8) return undefined;
  return { pid, tableId: body[0]!, body, end };
}
