import { describe, expect, it } from 'vitest';
import { renditionArgs, spriteArgs, spriteInputName, SPRITE_INPUT_PATTERN, thumbnailArgs } from '../../server/media/rendition-args.ts';

const valueOf = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

describe('the rendition command', () => {
  it('makes a low-bitrate 360p H.264 TS for the wall, audio copied', () => {
    const { outputOptions: out } = renditionArgs({ height: 360 });
    expect(valueOf(out, '-vf')).toBe('scale=-2:360');
    expect(valueOf(out, '-c:v')).toBe('libx264');
    expect(valueOf(out, '-preset')).toBe('veryfast');
    expect(parseInt(valueOf(out, '-maxrate')!)).toBeLessThanOrEqual(800);
    expect(valueOf(out, '-c:a')).toBe('copy');
    expect(valueOf(out, '-f')).toBe('mpegts');
  });

  it("keeps the original's timestamps, so consecutive renditions play as one stream", () => {
    const { inputOptions, outputOptions: out } = renditionArgs({ height: 360 });
    expect([...inputOptions, ...out]).toContain('-copyts');
    expect(valueOf(out, '-muxdelay')).toBe('0');
    expect(valueOf(out, '-muxpreload')).toBe('0');
    expect(valueOf(out, '-enc_time_base:v')).toBe('-1');
    expect(valueOf(out, '-fps_mode')).toBe('passthrough');
    expect(valueOf(out, '-bf')).toBe('0');
  });

  it('puts one GOP in a segment: no keyframe is forced by time or by a scene cut', () => {
    const { outputOptions: out } = renditionArgs({ height: 360 });
    expect(Number(valueOf(out, '-g'))).toBeGreaterThanOrEqual(25 * 3600);
    expect(valueOf(out, '-sc_threshold')).toBe('0');
    expect(out).not.toContain('-force_key_frames');
  });

  it('appends an extra filter after scaling at 720p (the forensic mark), at a higher bitrate', () => {
    const plain = renditionArgs({ height: 720 }).outputOptions;
    const marked = renditionArgs({ height: 720, extraFilter: "geq=lum='lum(X,Y)+1'" }).outputOptions;
    expect(valueOf(plain, '-vf')).toBe('scale=-2:720');
    expect(valueOf(marked, '-vf')).toBe("scale=-2:720,geq=lum='lum(X,Y)+1'");
    expect(parseInt(valueOf(plain, '-maxrate')!)).toBeGreaterThan(parseInt(valueOf(renditionArgs({ height: 360 }).outputOptions, '-maxrate')!));
  });

  it('never copies or maps anything but the first video and any audio', () => {
    const { outputOptions: out } = renditionArgs({ height: 360 });
    expect(out.filter((a, i) => out[i - 1] === '-map')).toEqual(['0:v:0', '0:a?']);
  });
});

describe('the thumbnail and sprite commands', () => {
  it('take one 160×90 frame, letterboxed whatever the aspect ratio', () => {
    const { outputOptions: out } = thumbnailArgs();
    expect(valueOf(out, '-frames:v')).toBe('1');
    expect(valueOf(out, '-vf')).toBe('scale=160:90:force_original_aspect_ratio=decrease,pad=160:90:-1:-1');
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
