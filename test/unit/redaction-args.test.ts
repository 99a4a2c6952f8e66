import { describe, expect, it } from 'vitest';
import { forensicMarkFilter } from '../../server/media/forensic-mark.ts';
import { redactedFile, redactionArgs } from '../../server/media/redaction-args.ts';
import { renditionArgs, scaleToShortSide } from '../../server/media/rendition-args.ts';

const blur = { x: 0.1, y: 0.2, w: 0.25, h: 0.5, from: 3.4, to: 4.4 };
const mute = { from: 2.9, to: 3.9 };

/** The option lists of each output, split at the output files the command names. */
function outputs(args: ReturnType<typeof redactionArgs>): Record<string, string[]> {
  const all = [...args.outputOptions, args.output];
  const files = ['plain', 'mark_a', 'mark_b'].map((v) => all.indexOf(redactedFile(v as 'plain')));
  return { plain: all.slice(0, files[0]), mark_a: all.slice(files[0]! + 1, files[1]), mark_b: all.slice(files[1]! + 1, files[2]) };
}
const valueOf = (args: string[], flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);

describe('the redaction command', () => {
  it('writes three outputs in one run: plain, mark_a and mark_b', () => {
    const args = redactionArgs({ redaction: { blur: [blur], mute: [mute] } });
    expect(args.output).toBe('mark_b.ts');
    expect(args.outputOptions.filter((o) => o.endsWith('.ts'))).toEqual(['plain.ts', 'mark_a.ts']);
    expect(args.inputOptions).toEqual(renditionArgs({ shortSide: 720 }).inputOptions);
    expect(args.inputOptions).toContain('-copyts');
  });

  it('encodes each output as a rendition does, audio re-encoded as AAC', () => {
    const rendition = renditionArgs({ shortSide: 720 }).outputOptions;
    for (const out of Object.values(outputs(redactionArgs({ redaction: { blur: [blur], mute: [] } })))) {
      for (const flag of ['-c:v', '-crf', '-maxrate', '-bf', '-g', '-fps_mode', '-enc_time_base:v', '-muxdelay', '-f']) expect(valueOf(out, flag)).toBe(valueOf(rendition, flag));
      expect(valueOf(out, '-c:a')).toBe('aac');
      expect(out.filter((a, i) => out[i - 1] === '-map')).toEqual(['0:v:0', '0:a?']);
    }
  });

  it('keeps plain at the original’s size and scales the marked variants as replay variants (short side to 720, any orientation), each with its own mark', () => {
    const out = outputs(redactionArgs({ redaction: { blur: [], mute: [] } }));
    expect(valueOf(out.plain!, '-vf')).toBe('null');
    expect(valueOf(out.mark_a!, '-vf')).toBe(valueOf(renditionArgs({ shortSide: 720, extraFilter: forensicMarkFilter('A') }).outputOptions, '-vf'));
    expect(valueOf(out.mark_b!, '-vf')).toBe(valueOf(renditionArgs({ shortSide: 720, extraFilter: forensicMarkFilter('B') }).outputOptions, '-vf'));
  });

  it.each([
    ['plain', (vf: string) => vf.startsWith('split[main][region]')],
    ['mark_a', (vf: string) => vf.startsWith(`${scaleToShortSide(720)},split[main][region]`) && vf.endsWith(forensicMarkFilter('A'))],
    ['mark_b', (vf: string) => vf.startsWith(`${scaleToShortSide(720)},split[main][region]`) && vf.endsWith(forensicMarkFilter('B'))],
  ])('blurs each rectangle in %s before the forensic mark, only while its range lasts', (variant, placed) => {
    const second = { x: 0.5, y: 0.5, w: 0.5, h: 0.5, from: 5, to: 5.04 };
    const vf = valueOf(outputs(redactionArgs({ redaction: { blur: [blur, second], mute: [] } }))[variant]!, '-vf')!;
    expect(placed(vf)).toBe(true);
    expect(vf).toContain('[region]crop=w=iw*0.25:h=ih*0.5:x=iw*0.1:y=ih*0.2,boxblur=');
    expect(vf).toContain("[main][blurred]overlay=x=main_w*0.1:y=main_h*0.2:enable='between(t,3.4,4.4)'");
    expect(vf).toContain("[main][blurred]overlay=x=main_w*0.5:y=main_h*0.5:enable='between(t,5,5.04)'");
    expect(vf.match(/boxblur=/g)).toHaveLength(2);
  });

  it('mutes each range in every output, and leaves the audio unfiltered without one', () => {
    const out = outputs(redactionArgs({ redaction: { blur: [], mute: [mute, { from: 6, to: 7.5 }] } }));
    for (const o of Object.values(out)) {
      expect(valueOf(o, '-af')).toBe("asetnsamples=n=64:p=0,volume=0:enable='between(t,2.9,3.9)',volume=0:enable='between(t,6,7.5)'");
    }
    for (const o of Object.values(outputs(redactionArgs({ redaction: { blur: [blur], mute: [] } })))) expect(o).not.toContain('-af');
  });

  it('writes times as plain decimals and no option with a space (the runner would split it)', () => {
    const args = redactionArgs({ redaction: { blur: [{ ...blur, from: 1e-7, to: 1 / 3 }], mute: [{ from: 123456.7890123, to: 123457 }] } });
    const all = [...args.inputOptions, ...args.outputOptions];
    expect(all.join('\n')).not.toMatch(/\de[-+]?\d/);
    expect(all.filter((o) => o.includes(' '))).toEqual([]);
    expect(all.join('\n')).toContain('between(t,0,0.333333)');
    expect(all.join('\n')).toContain('between(t,123456.789012,123457)');
  });
});
