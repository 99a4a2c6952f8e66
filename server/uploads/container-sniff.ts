/**
 * Whether a file's first bytes are those of a video container a camera writes. Tells a damaged
 * recording (a container ffprobe cannot read: an MP4 cut off before its index, say) from
 * something that was never media. Pure.
 */
const ISO_BMFF_BOXES = new Set(['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide']);

export function looksLikeContainer(head: Buffer): boolean {
  if (head.length < 12) return false;
  const ascii = (from: number, to: number) => head.subarray(from, to).toString('latin1');
  if (ISO_BMFF_BOXES.has(ascii(4, 8))) return true; // MP4, MOV, 3GP
  if (head.length > 188 && head[0] === 0x47 && head[188] === 0x47) return true; // MPEG-TS
  if (head.length > 196 && head[4] === 0x47 && head[196] === 0x47) return true; // M2TS (192-byte packets)
  if (head.readUInt32BE(0) === 0x1a45dfa3) return true; // Matroska, WebM
  if (head.readUInt32BE(0) === 0x000001ba) return true; // MPEG program stream
  if (ascii(0, 3) === 'FLV') return true;
  return ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'AVI ';
}
