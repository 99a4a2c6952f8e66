import { describe, expect, it } from 'vitest';
import { forensicMarkFilter } from '../../server/media/forensic-mark.ts';
import { renditionArgs, renditionOutput, scaleToShortSide, segmentProductsArgs, spriteArgs, spriteInputName, SPRITE_INPUT_PATTERN, thumbnailOutput } from '../../server/media/rendition-args.ts';

const valueOf = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

describe('the rendition command', () => {
  it('makes a low-bitrate 360p H.264 TS for the wall, audio copied', () => {
    const { outputOptions: out } = renditionArgs({ shortSide: 360 });
    expect(valueOf(out, '-vf')).toBe(scaleToShortSide(360));
    expect(valueOf(out, '-c:v')).toBe('libx264');
    expect(valueOf(out, '-preset')).toBe('veryfast');
    expect(parseInt(valueOf(out, '-maxrate')!)).toBeLessThanOrEqual(800);
    expect(valueOf(out, '-c:a')).toBe('copy');
    expect(valueOf(out, '-f')).toBe('mpegts');
  });

  it("keeps the original's timestamps, so consecutive renditions play as one stream", () => {
    const { inputOptions, outputOptions: out } = renditionArgs({ shortSide: 360 });
    expect([...inputOptions, ...out]).toContain('-copyts');
    expect(valueOf(out, '-muxdelay')).toBe('0');
    expect(valueOf(out, '-muxpreload')).toBe('0');
    // MPEG-TS's clock, every original's: ffmpeg would give a filter graph's output 1/25 and round to the frame grid.
    expect(valueOf(out, '-enc_time_base:v')).toBe('1:90000');
    expect(valueOf(out, '-fps_mode')).toBe('passthrough');
    expect(valueOf(out, '-bf')).toBe('0');
  });

  it('puts one GOP in a segment: no keyframe is forced by time or by a scene cut', () => {
    const { outputOptions: out } = renditionArgs({ shortSide: 360 });
    expect(Number(valueOf(out, '-g'))).toBeGreaterThanOrEqual(25 * 3600);
    expect(valueOf(out, '-sc_threshold')).toBe('0');
    expect(out).not.toContain('-force_key_frames');
  });

  it('appends an extra filter after scaling at 720p (the forensic mark), at a higher bitrate', () => {
    const plain = renditionArgs({ shortSide: 720 }).outputOptions;
    const marked = renditionArgs({ shortSide: 720, extraFilter: "geq=lum='lum(X,Y)+1'" }).outputOptions;
    expect(valueOf(plain, '-vf')).toBe(scaleToShortSide(720));
    expect(valueOf(marked, '-vf')).toBe(`${scaleToShortSide(720)},geq=lum='lum(X,Y)+1'`);
    expect(parseInt(valueOf(plain, '-maxrate')!)).toBeGreaterThan(parseInt(valueOf(renditionArgs({ shortSide: 360 }).outputOptions, '-maxrate')!));
  });

  it('never copies or maps anything but the first video and any audio', () => {
    const { outputOptions: out } = renditionArgs({ shortSide: 360 });
    expect(out.filter((a, i) => out[i - 1] === '-map')).toEqual(['0:v:0', '0:a?']);
  });
});

/**
 * The size ffmpeg's scale filter gives `scaleToShortSide(cap)` for an iw×ih input: its w and h
 * expressions evaluated with ffmpeg's functions, then a negative side derived as ffmpeg does
 * (the other side times the aspect ratio, rounded to a multiple of the negated value).
 */
function scaledSize(cap: number, iw: number, ih: number): string {
  const m = /^scale=w='([^']+)':h='([^']+)'$/.exec(scaleToShortSide(cap));
  expect(m, 'one w and one h expression').not.toBeNull();
  const ffmpegFunctions = { if: (c: number, a: number, b: number) => (c ? a : b), gte: (a: number, b: number) => Number(a >= b), min: Math.min, trunc: Math.trunc };
  const evaluate = (expr: string) =>
    new Function(...Object.keys(ffmpegFunctions).map((k) => `${k}_`), 'iw', 'ih', `return ${expr.replace(/\b(if|gte|min|trunc)\(/g, '$1_(')};`)(...Object.values(ffmpegFunctions), iw, ih) as number;
  let [w, h] = [evaluate(m![1]!), evaluate(m![2]!)];
  if (w < 0) w = Math.round((h * iw) / ih / -w) * -w;
  if (h < 0) h = Math.round((w * ih) / iw / -h) * -h;
  return `${w}x${h}`;
}

describe('scaling by the short side', () => {
  it.each([
    [720, 1920, 1080, '1280x720'],
    [720, 1080, 1920, '720x1280'],
    [720, 1280, 720, '1280x720'],
    [720, 720, 1280, '720x1280'],
    [720, 640, 360, '640x360'],
    [720, 360, 640, '360x640'],
    [720, 540, 960, '540x960'],
    [720, 1440, 1080, '960x720'],
    [720, 481, 853, '480x852'],
    [360, 1920, 1080, '640x360'],
    [360, 1080, 1920, '360x640'],
    [360, 240, 320, '240x320'],
  ])('caps the short side at %i: %ix%i becomes %s, never scaled up, orientation kept, both sides even', (cap, iw, ih, size) => {
    expect(scaledSize(cap, iw, ih)).toBe(size);
  });

  it('is one filter whose commas are quoted and which has no space (the runner would split it)', () => {
    const filter = scaleToShortSide(720);
    expect(filter.replace(/'[^']*'/g, '')).not.toContain(',');
    expect(filter).not.toContain(' ');
  });
});

describe('the thumbnail and sprite commands', () => {
  it('take one 160×90 frame, letterboxed whatever the aspect ratio', () => {
    const thumb = thumbnailOutput();
    expect(thumb.scale).toBe('trim=end_frame=1,scale=160:90:force_original_aspect_ratio=decrease,pad=160:90:-1:-1');
    expect(thumb.then).toBeUndefined();
    expect(valueOf(thumb.encode, '-f')).toBe('image2');
    expect(valueOf(thumb.encode, '-update')).toBe('1');
  });

  it('tile numbered thumbnails into one sheet of the given grid', () => {
    const args = spriteArgs({ columns: 10, rows: 3 });
    expect(args.inputFormat).toBe('image2');
    expect(valueOf(args.inputOptions, '-start_number')).toBe('0');
    expect(valueOf(args.outputOptions, '-vf')).toBe('tile=10x3');
    expect(valueOf(args.outputOptions, '-frames:v')).toBe('1');
    expect(spriteInputName(7)).toBe(SPRITE_INPUT_PATTERN.replace('%06d', '000007'));
  });
});

describe("a segment's products in one run", () => {
  const markA = renditionOutput({ shortSide: 720, extraFilter: forensicMarkFilter('A') });
  const markB = renditionOutput({ shortSide: 720, extraFilter: forensicMarkFilter('B') });

  it('decode the original once, scale once for the two marks, and split the frames to each product', () => {
    const args = segmentProductsArgs([
      { ...thumbnailOutput(), file: 'thumb.jpg' },
      { ...markA, file: 'mark_a.ts' },
      { ...markB, file: 'mark_b.ts' },
    ]);
    expect(args.inputOptions).toEqual(renditionArgs({ shortSide: 720 }).inputOptions);
    expect(args.outputOptions.filter((o) => o === '-filter_complex')).toHaveLength(1);
    const graph = valueOf(args.outputOptions, '-filter_complex')!;
    expect(graph.split(';')[0]).toBe('[0:v:0]split=2[g0][g1]');
    expect(graph).toContain(`[g0]${thumbnailOutput().scale}[p0]`);
    expect(graph.split(scaleToShortSide(720))).toHaveLength(2);
    expect(graph).toContain(`[g1]${scaleToShortSide(720)},split=2[p1][p2]`);
    expect(graph).toContain(`[p1]${forensicMarkFilter('A')}[v1]`);
    expect(graph).toContain(`[p2]${forensicMarkFilter('B')}[v2]`);
    // The runner splits an option with a space in two.
    expect(graph).not.toContain(' ');

    // Each output encoded as it would be alone (the marks as replay's rendition, audio copied), its file after its options.
    expect(args.outputOptions.slice(2)).toEqual(['-map', '[p0]', ...thumbnailOutput().encode, 'thumb.jpg', '-map', '[v1]', ...markA.encode, 'mark_a.ts', '-map', '[v2]', ...markB.encode]);
    expect(args.output).toBe('mark_b.ts');
  });

  it('feed one product the decoded video itself, through its filters alone', () => {
    const args = segmentProductsArgs([{ ...renditionOutput({ shortSide: 360 }), file: 'r360.ts' }]);
    expect(valueOf(args.outputOptions, '-filter_complex')).toBe(`[0:v:0]${scaleToShortSide(360)}[p0]`);
    expect(args.outputOptions).toEqual(['-filter_complex', `[0:v:0]${scaleToShortSide(360)}[p0]`, '-map', '[p0]', ...renditionOutput({ shortSide: 360 }).encode]);
    expect(args.output).toBe('r360.ts');
  });

  it('are what one rendition alone is, its filters on the output', () => {
    const alone = renditionArgs({ shortSide: 720, extraFilter: forensicMarkFilter('A') }).outputOptions;
    expect(valueOf(alone, '-vf')).toBe(`${markA.scale},${markA.then}`);
    expect(alone.slice(alone.indexOf('-vf') + 2)).toEqual(markA.encode);
  });
});
