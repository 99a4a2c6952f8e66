/**
 * AAC frames from FLV (raw, described once by an AudioSpecificConfig) into the ADTS frames
 * MPEG-TS carries: the same 7-byte header without CRC that ffmpeg's MPEG-TS muxer puts in front
 * of each raw frame, the frame itself untouched. Pure.
 */

const ADTS_HEADER_BYTES = 7;
const MAX_FRAME_BYTES = 0x1fff;

export class AacConfigInvalid extends Error {}

export interface AacConfig {
  objectType: number;
  sampleRateIndex: number;
  channels: number;
}

/**
 * Reads an AudioSpecificConfig (ISO/IEC 14496-3 §1.6.2.1) and refuses what ADTS cannot carry
 * (ffmpeg refuses the same): object types past AAC LTP, an explicit sample rate, a channel
 * layout given by a program config element.
 */
export function readAacConfig(asc: Buffer): AacConfig {
  if (asc.length < 2) throw new AacConfigInvalid('AudioSpecificConfig too short');
  const objectType = asc[0]! >> 3;
  const sampleRateIndex = ((asc[0]! & 0x07) << 1) | (asc[1]! >> 7);
  const channels = (asc[1]! >> 3) & 0x0f;
  if (objectType < 1 || objectType > 4) throw new AacConfigInvalid(`AAC object type ${objectType} has no ADTS form`);
  if (sampleRateIndex > 12) throw new AacConfigInvalid('AAC with an explicit sample rate');
  if (channels === 0 || channels > 7) throw new AacConfigInvalid(`AAC channel configuration ${channels}`);
  return { objectType, sampleRateIndex, channels };
}

export function adtsFrame(config: AacConfig, raw: Buffer): Buffer {
  const length = ADTS_HEADER_BYTES + raw.length;
  if (length > MAX_FRAME_BYTES) throw new AacConfigInvalid('AAC frame too long for ADTS');
  const out = Buffer.allocUnsafe(length);
  out[0] = 0xff;
  out[1] = 0xf1; // MPEG-4, layer 0, no CRC
  out[2] = ((config.objectType - 1) << 6) | (config.sampleRateIndex << 2) | (config.channels >> 2);
  out[3] = ((config.channels & 0x03) << 6) | (length >> 11);
  out[4] = (length >> 3) & 0xff;
  out[5] = ((length & 0x07) << 5) | 0x1f; // buffer fullness 0x7ff: variable rate
  out[6] = 0xfc;
  raw.copy(out, ADTS_HEADER_BYTES);
  return out;
}
