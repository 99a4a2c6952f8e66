/**
 * The ffmpeg commands that make derivatives of one sealed segment: H.264 renditions, a thumbnail,
 * and the sprite sheet tiled from thumbnails. Pure: tested by table, without ffmpeg. The original
 * is only ever an input; what these write is a new file that names the original's hash.
 *
 * Renditions are encoded one segment at a time, yet played back to back in one HLS playlist (and
 * a leaked copy is their concatenation), so each keeps its original's timestamps exactly:
 * - `-copyts` and `-enc_time_base -1` keep input PTS (the default 1/fps time base would round
 *   them to the frame grid and drift the video against the copied audio);
 * - `-muxdelay 0 -muxpreload 0` stop the TS muxer adding its 0.7 s offset;
 * - `-fps_mode passthrough` keeps every frame, none duplicated or dropped at the edges;
 * - `-bf 0`: with B-frames the first DTS precedes the first PTS, and DTS would step back at every
 *   segment boundary;
 * - one GOP per segment (`-g` far beyond any segment): an encode starts with an IDR anyway, and
 *   scene cuts add none.
 * Audio is copied: re-encoding AAC per segment adds priming samples, an audible click at each seam.
 */
export interface FfmpegArgs {
  inputFormat?: string;
  inputOptions: string[];
  outputOptions: string[];
}

export interface RenditionSettings {
  /** lines of the picture's short side, at most: 360 for the wall's tiles, 720 for replay */
  shortSide: 360 | 720;
  /** a filter appended after scaling (the forensic A/B mark) */
  extraFilter?: string;
}

/** Replay's variants (the forensic A/B marks, redactions): one size, so a redaction's marks are read like a replay's. */
export const REPLAY_SHORT_SIDE = 720;

/** Caps for the wall's many small tiles (360p) and for replay (720p); CRF below the cap. */
const RATE: Record<RenditionSettings['shortSide'], { crf: number; maxrate: string; bufsize: string }> = {
  360: { crf: 26, maxrate: '600k', bufsize: '1200k' },
  720: { crf: 23, maxrate: '2000k', bufsize: '4000k' },
};

const GOP_FRAMES = 100_000;

const QUIET = ['-hide_banner', '-nostdin', '-loglevel', 'error'];

/**
 * Scales the short side to `cap` lines, or keeps it when it is shorter (never scaled up), and the
 * long side in proportion: a 1920×1080 camera becomes 1280×720, a 1080×1920 portrait one 720×1280
 * (a fixed height would squeeze it to 406×720). Both sides even, as yuv420p needs: the short one
 * rounded down, the long one by `-2`. Decided by ffmpeg per input, so no probe is needed and a
 * segment can be scaled the moment it is sealed. The quotes keep the commas from splitting the
 * filter chain; no spaces, which the runner would split on.
 */
export function scaleToShortSide(cap: number): string {
  const short = (side: 'iw' | 'ih') => `2*trunc(min(${cap},${side})/2)`;
  return `scale=w='if(gte(iw,ih),-2,${short('iw')})':h='if(gte(iw,ih),${short('ih')},-2)'`;
}

export function renditionArgs(s: RenditionSettings): FfmpegArgs {
  const rate = RATE[s.shortSide];
  const filters = [scaleToShortSide(s.shortSide), ...(s.extraFilter ? [s.extraFilter] : [])];
  return {
    inputOptions: [...QUIET, '-copyts'],
    outputOptions: [
      '-map',
      '0:v:0',
      '-map',
      '0:a?',
      '-vf',
      filters.join(','),
      '-fps_mode',
      'passthrough',
      '-enc_time_base:v',
      '-1',
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-profile:v',
      'main',
      '-pix_fmt',
      'yuv420p',
      '-crf',
      String(rate.crf),
      '-maxrate',
      rate.maxrate,
      '-bufsize',
      rate.bufsize,
      '-bf',
      '0',
      '-g',
      String(GOP_FRAMES),
      '-keyint_min',
      String(GOP_FRAMES),
      '-sc_threshold',
      '0',
      '-c:a',
      'copy',
      '-muxdelay',
      '0',
      '-muxpreload',
      '0',
      '-f',
      'mpegts',
    ],
  };
}

export const THUMB_WIDTH = 160;
export const THUMB_HEIGHT = 90;

/** Any aspect ratio fits the tile: scaled down inside it, the rest padded, so sprite tiles are uniform. */
const FIT_THUMB = `scale=${THUMB_WIDTH}:${THUMB_HEIGHT}:force_original_aspect_ratio=decrease,pad=${THUMB_WIDTH}:${THUMB_HEIGHT}:-1:-1`;

/** The segment's first frame: a keyframe, so only one frame is decoded. */
export function thumbnailArgs(): FfmpegArgs {
  return {
    inputOptions: [...QUIET],
    outputOptions: ['-map', '0:v:0', '-frames:v', '1', '-vf', FIT_THUMB, '-q:v', '4', '-f', 'image2', '-update', '1'],
  };
}

/** Thumbnail files the sprite is tiled from, numbered from 0 in the sheet's order. */
export const SPRITE_INPUT_PATTERN = 'thumb_%06d.jpg';

export function spriteInputName(n: number): string {
  return `thumb_${String(n).padStart(6, '0')}.jpg`;
}

/** `tile` fills rows left to right and pads a short last row; one output frame is the sheet. */
export function spriteArgs(grid: { columns: number; rows: number }): FfmpegArgs {
  return {
    inputFormat: 'image2',
    inputOptions: [...QUIET, '-start_number', '0'],
    outputOptions: ['-vf', `tile=${grid.columns}x${grid.rows}`, '-frames:v', '1', '-q:v', '4', '-f', 'image2', '-update', '1'],
  };
}
