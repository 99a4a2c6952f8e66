/**
 * The ffmpeg command that pulls a fixed camera over RTSP and hands it on as MPEG-TS, so a hall
 * camera goes through the same segmenter and sealing path as a body camera's RTMP publish. Pure:
 * tested by table, without ffmpeg.
 *
 * - MPEG-TS, always, not FLV: many hall cameras send H.265, which FLV cannot carry in ffmpeg 5.1
 *   ("Video codec hevc not compatible with flv"). The sealed segments are MPEG-TS anyway, so the
 *   pipe carries exactly what the segments can, whatever the camera sends, without a second
 *   connection to probe the codec first (many cameras allow only a few sessions).
 * - TCP, not UDP: lost RTP packets would be silent holes in evidence; a TCP stall is a gap with a cause.
 * - `-timeout` (µs) ends a session whose camera stopped sending, so the outage shows as a gap
 *   instead of a recording that silently stands still (node-media-server's relay is not used:
 *   recipes/MEDIA.md).
 * - `-c copy`: remuxed, never re-encoded.
 */
import type { GapCause } from '../db/schema.ts';
import type { SegmenterInput } from './segmenter-args.ts';

export const RTSP_IO_TIMEOUT_US = 5_000_000;

export function rtspPullInputOptions(): string[] {
  return ['-hide_banner', '-nostdin', '-loglevel', 'error', '-rtsp_transport', 'tcp', '-timeout', String(RTSP_IO_TIMEOUT_US)];
}

export const RTSP_PULL_FORMAT = 'mpegts' satisfies SegmenterInput;

export function rtspPullOutputOptions(): string[] {
  return ['-map', '0:v', '-map', '0:a?', '-c', 'copy', '-f', RTSP_PULL_FORMAT];
}

/** Why a fixed camera cannot be recorded; stored on the device and shown to custodians. */
export type CameraError = 'rtsp_auth_failed' | 'rtsp_not_found' | 'rtsp_unreachable' | 'rtsp_unsupported_codec' | 'rtsp_bad_stream';

export interface PullFailure {
  /** the gap cause when a running recording is interrupted */
  cause: GapCause;
  error: CameraError;
  /** a person must act (credentials, path): retry slowly, do not hammer the camera */
  needsPerson: boolean;
}

const RULES: [RegExp, PullFailure][] = [
  [/\b401\b|Unauthorized/i, { cause: 'device_fault', error: 'rtsp_auth_failed', needsPerson: true }],
  [/\b403\b|Forbidden/i, { cause: 'device_fault', error: 'rtsp_auth_failed', needsPerson: true }],
  [/\b404\b|Not Found/i, { cause: 'device_fault', error: 'rtsp_not_found', needsPerson: true }],
  // A codec ffmpeg cannot read or carry: the camera answered, and must be set to another codec.
  [/unknown codec|not compatible with|not supported in container|codec not currently supported/i, { cause: 'device_fault', error: 'rtsp_unsupported_codec', needsPerson: true }],
  [/Invalid data|could not find codec|no such stream|Output file #0 does not contain any stream/i, { cause: 'device_fault', error: 'rtsp_bad_stream', needsPerson: false }],
];

/** Reads what ffmpeg said on failure; anything not recognised is the network's doing. */
export function classifyPullFailure(stderr: string): PullFailure {
  for (const [pattern, failure] of RULES) if (pattern.test(stderr)) return failure;
  return { cause: 'network', error: 'rtsp_unreachable', needsPerson: false };
}
