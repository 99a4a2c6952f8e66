/**
 * H.264 access units from FLV's length-prefixed form (AVCC) into the start-code form MPEG-TS
 * carries (Annex B), byte for byte as ffmpeg's `-c copy` into MPEG-TS writes them: its
 * h264_mp4toannexb filter (parameter sets from the sequence header before the first slice of
 * each IDR picture that has none in band; 4-byte start codes for the first NAL unit and for
 * SPS/PPS, 3-byte ones otherwise), then its MPEG-TS muxer's access unit delimiter in front of an
 * access unit that has none. Every NAL unit the camera sent is kept as sent. Pure.
 */

const NAL_SLICE = 1;
const NAL_IDR = 5;
const NAL_AUD = 9;
const NAL_SPS = 7;
const NAL_PPS = 8;
const START4 = Buffer.from([0, 0, 0, 1]);
const START3 = Buffer.from([0, 0, 1]);
/** ffmpeg's: an AUD NAL unit, primary_pic_type 7 (any slice type) */
const AUD = Buffer.from([0, 0, 0, 1, 0x09, 0xf0]);

export class AvcConfigInvalid extends Error {}

export interface AvcConfig {
  /** bytes before each NAL unit that give its length (1, 2 or 4) */
  lengthSize: number;
  /** SPS then PPS, each behind a 4-byte start code, as ffmpeg converts the sequence header */
  parameterSets: Buffer;
  /** the PPS alone, for an IDR picture that brought its SPS but not its PPS */
  pps: Buffer;
}

/** Parses an AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.2.4.1). */
export function readAvcConfig(record: Buffer): AvcConfig {
  if (record.length < 7 || record[0] !== 1) throw new AvcConfigInvalid('not an AVC decoder configuration record');
  const lengthSize = (record[4]! & 0x03) + 1;
  if (lengthSize === 3) throw new AvcConfigInvalid('NAL length size 3');
  const sets: Buffer[] = [];
  const ppsSets: Buffer[] = [];
  let at = 5;
  for (const target of [sets, ppsSets]) {
    if (at >= record.length) throw new AvcConfigInvalid('truncated decoder configuration record');
    const count = target === sets ? record[at]! & 0x1f : record[at]!;
    at += 1;
    for (let i = 0; i < count; i++) {
      if (at + 2 > record.length) throw new AvcConfigInvalid('truncated parameter set');
      const size = record.readUInt16BE(at);
      if (at + 2 + size > record.length) throw new AvcConfigInvalid('truncated parameter set');
      target.push(START4, record.subarray(at + 2, at + 2 + size));
      at += 2 + size;
    }
  }
  const pps = Buffer.concat(ppsSets);
  return { lengthSize, parameterSets: Buffer.concat([...sets, pps]), pps };
}

/**
 * Converts one stream's access units in order: which IDR pictures need parameter sets depends
 * on the access units before (one picture's later IDR slices do not).
 */
export class AnnexBWriter {
  /** ffmpeg's new_idr: the next IDR slice starts a picture that gets parameter sets */
  private newIdr = true;
  /** whether the IDR picture being written brought its own SPS / PPS (ffmpeg keeps these across packets too) */
  private spsSeen = false;
  private ppsSeen = false;

  constructor(private config: AvcConfig) {}

  reconfigure(config: AvcConfig): void {
    this.config = config;
  }

  /**
   * The access unit in Annex B, as pieces: start codes and parameter sets between views of `au`'s
   * NAL units, which are not copied (the TS writer copies them once, into its packets). Throws
   * when a NAL unit's length runs past the end.
   */
  convert(au: Buffer): Buffer[] {
    const { lengthSize } = this.config;
    const parts: Buffer[] = [];
    let size = 0;
    const add = (b: Buffer) => {
      parts.push(b);
      size += b.length;
    };
    let firstSliceType: number | undefined;
    for (let at = 0; at < au.length;) {
      if (at + lengthSize > au.length) throw new AvcConfigInvalid('truncated NAL unit length');
      const nalSize = au.readUIntBE(at, lengthSize);
      at += lengthSize;
      if (nalSize === 0) continue;
      if (at + nalSize > au.length) throw new AvcConfigInvalid('NAL unit runs past its access unit');
      const nal = au.subarray(at, at + nalSize);
      at += nalSize;
      const type = nal[0]! & 0x1f;
      if (firstSliceType === undefined && (type === NAL_AUD || type === NAL_IDR || type === NAL_SLICE)) firstSliceType = type;
      if (type === NAL_SPS) this.spsSeen = this.newIdr = true;
      else if (type === NAL_PPS) {
        this.ppsSeen = this.newIdr = true;
        // a PPS without the SPS before it gets the sequence header's SPS
        if (!this.spsSeen) add(this.config.parameterSets.subarray(0, this.config.parameterSets.length - this.config.pps.length));
        this.spsSeen = true;
      }
      // first_mb_in_slice 0 (its ue(v) code starts with a 1 bit): a new IDR picture
      if (!this.newIdr && type === NAL_IDR && nal.length > 1 && nal[1]! & 0x80) this.newIdr = true;
      if (this.newIdr && type === NAL_IDR && !this.spsSeen && !this.ppsSeen) {
        add(this.config.parameterSets);
        this.newIdr = false;
      } else if (this.newIdr && type === NAL_IDR && this.spsSeen && !this.ppsSeen) add(this.config.pps);
      add(size === 0 || type === NAL_SPS || type === NAL_PPS ? START4 : START3);
      add(nal);
      if (!this.newIdr && type === NAL_SLICE) {
        this.newIdr = true;
        this.spsSeen = this.ppsSeen = false;
      }
    }
    if (firstSliceType !== NAL_AUD) parts.unshift(AUD);
    return parts;
  }
}
