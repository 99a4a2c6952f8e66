/**
 * The ffmpeg commands that make derivatives of one sealed segment: H.264 renditions, a thumbnail,
 * and the sprite sheet tiled from thumbnails. Pure: tested by table, without ffmpeg. The original
 * is only ever an input; what these write is a new file that names the original's hash.
 *
 * Renditions are encoded one segment at a time, yet played back to back in one HLS playlist (and
 * a leaked copy is their concatenation), so each keeps its original's timestamps exactly:
 * - `-copyts` and an encoder time base of 1/90000, the clock of every original (an MPEG-TS
 *   segment), keep input PTS (the default 1/fps time base would round them to the frame grid and
 *   drift the video against the copied audio). Named, not `-1` (the input stream's): ffmpeg gives
 *   the outputs of a filter graph (segmentProductsArgs) no input stream to take it from;
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

/** MPEG-TS's clock, the time base of every original's video (see the header). */
const MPEG_TS_TIME_BASE = '1:90000';

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

/**
 * One product of a segment: the picture it encodes, made from the decoded video by `scale` and
 * then `then`, and the options that encode it.
 */
export interface ProductOutput {
  /** filters from the decoded video to the product's size; products of one run naming the same share one run of them */
  scale: string;
  /** filters of this product alone, after scaling (the forensic mark) */
  then?: string;
  /** everything after the picture: its encode, any audio, the format */
  encode: string[];
}

export function renditionOutput(s: RenditionSettings): ProductOutput {
  const rate = RATE[s.shortSide];
  return {
    scale: scaleToShortSide(s.shortSide),
    then: s.extraFilter,
    encode: [
      '-map',
      '0:a?',
      '-fps_mode',
      'passthrough',
      '-enc_time_base:v',
      MPEG_TS_TIME_BASE,
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

/** Input options of a run that makes renditions: its timestamps kept (see the header). */
const RENDITION_INPUT = [...QUIET, '-copyts'];

/** One rendition, its filters on its own output (`-vf`): the encode a redaction's outputs start from (redaction-args.ts). */
export function renditionArgs(s: RenditionSettings): FfmpegArgs {
  const { scale, then, encode } = renditionOutput(s);
  return { inputOptions: RENDITION_INPUT, outputOptions: ['-map', '0:v:0', '-vf', then ? `${scale},${then}` : scale, ...encode] };
}

export const THUMB_WIDTH = 160;
export const THUMB_HEIGHT = 90;

/**
 * The segment's first frame (a keyframe), scaled down inside the tile and the rest padded, so
 * sprite tiles are uniform whatever the aspect ratio. Trimmed to that one frame before scaling:
 * beside the marks, the run decodes every frame, and the thumbnail needs one.
 */
export function thumbnailOutput(): ProductOutput {
  return {
    scale: `trim=end_frame=1,scale=${THUMB_WIDTH}:${THUMB_HEIGHT}:force_original_aspect_ratio=decrease,pad=${THUMB_WIDTH}:${THUMB_HEIGHT}:-1:-1`,
    encode: ['-q:v', '4', '-f', 'image2', '-update', '1'],
  };
}

/** `from` through `filters` to each of `to`: `split` hands the frames on when there are several. */
function fanOut(from: string, filters: string[], to: string[]): string {
  const chain = [...filters, ...(to.length > 1 ? [`split=${to.length}`] : [])];
  return `[${from}]${chain.join(',')}${to.map((label) => `[${label}]`).join('')}`;
}

/**
 * The products of one segment in one run, each written to its `file` (relative to ffmpeg's working
 * folder): the original is decoded once, each `scale` runs once for every product naming it, and
 * `split` hands the frames to each product's own filters and encoder. So a segment's A and B marks
 * cost one decode and one scaling, not two of each. The graph's labels: g (a scale's frames),
 * p (a product's scaled frames), v (after its own filters). The last product's file is `output`;
 * the others are written by options before it (ffmpeg takes any number of outputs, each after its
 * own options).
 */
export function segmentProductsArgs(products: (ProductOutput & { file: string })[]): FfmpegArgs & { output: string } {
  const scales = [...new Set(products.map((p) => p.scale))];
  // One scale is fed the decoded video itself; several, each a copy of it.
  const fed = scales.length > 1 ? scales.map((_, g) => `g${g}`) : ['0:v:0'];
  const graph = scales.length > 1 ? [fanOut('0:v:0', [], fed)] : [];
  for (const [g, scale] of scales.entries()) {
    const scaled = products.flatMap((p, n) => (p.scale === scale ? [`p${n}`] : []));
    graph.push(fanOut(fed[g]!, [scale], scaled));
  }
  const outputs = products.map((p, n) => {
    if (p.then) graph.push(fanOut(`p${n}`, [p.then], [`v${n}`]));
    return ['-map', `[${p.then ? 'v' : 'p'}${n}]`, ...p.encode];
  });
  return {
    inputOptions: RENDITION_INPUT,
    outputOptions: ['-filter_complex', graph.join(';'), ...outputs.flatMap((options, n) => (n < products.length - 1 ? [...options, products[n]!.file] : options))],
    output: products.at(-1)!.file,
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
