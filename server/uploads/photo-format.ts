/**
 * Whether a probed upload is a photograph (照相, one of the 音像记录 the seeds name), and how its
 * one object is stored. Pure.
 *
 * JPEG and PNG only: ffmpeg 5.1 (what liuhen runs) reads both, so a photo's decode check means
 * something. HEIC is not read by ffmpeg before 6.1: such a file is refused like any other it
 * cannot read, and the device keeps it.
 */
import type { MediaProbe } from '../media/probe.ts';

export interface PhotoFormat {
  /** the sealed object's file extension: the store key and the package member name show it */
  ext: 'jpg' | 'png';
  contentType: 'image/jpeg' | 'image/png';
}

/** ffprobe's names for a single picture read from a file without an extension (a part file). */
const PHOTO_FORMATS: Record<string, PhotoFormat> = {
  jpeg_pipe: { ext: 'jpg', contentType: 'image/jpeg' },
  png_pipe: { ext: 'png', contentType: 'image/png' },
};

export function photoFormatOf(probe: MediaProbe): PhotoFormat | undefined {
  const format = PHOTO_FORMATS[probe.format.format_name];
  const [only, ...more] = probe.streams;
  return format && more.length === 0 && only?.codec_type === 'video' ? format : undefined;
}

/** The content type a sealed photo is served with, from its store key's extension. */
export function photoContentType(objectKey: string): PhotoFormat['contentType'] | undefined {
  const ext = objectKey.slice(objectKey.lastIndexOf('.') + 1);
  return Object.values(PHOTO_FORMATS).find((f) => f.ext === ext)?.contentType;
}
