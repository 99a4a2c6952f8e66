import { describe, expect, it } from 'vitest';
import { binomialTail, FALSE_MATCH_LIMIT, judge } from '../../server/forensic/codeword-match.ts';
import type { Variant } from '../../server/forensic/codeword.ts';
import { readablePixels, readMark } from '../../server/forensic/mark-reading.ts';
import { videoFrameCount } from '../../server/forensic/ts-frames.ts';
import { forensicMarkFilter, MARK_AMPLITUDE, markPattern } from '../../server/media/forensic-mark.ts';
import { GREY_HEIGHT, GREY_WIDTH, greyFramesArgs } from '../../server/media/grey-frames-args.ts';
import { derivativeFor, segmentSource } from '../../server/playback/segment-source.ts';
import { segmentObject } from '../../server/playback/url-signer.ts';

describe('the chance that an unrelated codeword agrees as well', () => {
  it('is the binomial tail of fair coin flips', () => {
    expect(binomialTail(10, 10)).toBeCloseTo(1 / 1024, 12);
    expect(binomialTail(10, 9)).toBeCloseTo(11 / 1024, 12);
    expect(binomialTail(10, 0)).toBe(1);
    expect(binomialTail(4, 5)).toBe(0);
    expect(binomialTail(1000, 1000)).toBeCloseTo(Math.pow(2, -1000), 310);
  });
});

describe('naming a candidate', () => {
  const codewords: Record<string, Variant[]> = { s1: ['A', 'A', 'B', 'B'], s2: ['A', 'B', 'A', 'B'] };
  const variantOf = (c: string, idx: number) => codewords[c]?.[(idx - 1) % 4] ?? 'A';
  const bitsOf = (word: Variant[], n: number) => new Map(Array.from({ length: n }, (_, i) => [i + 1, word[i % 4]!] as const));

  it('names the codeword the bits agree with once an innocent agreement is unlikely enough', () => {
    const verdict = judge(bitsOf(codewords.s1!, 17), ['s1', 's2'], variantOf);
    expect(verdict.match?.candidate).toBe('s1');
    expect(verdict.match?.falseMatch).toBeCloseTo(2 * Math.pow(2, -17), 12);
    expect(verdict.match!.falseMatch).toBeLessThan(FALSE_MATCH_LIMIT);
    expect(verdict.ranked.map((r) => r.candidate)).toEqual(['s1', 's2']);
  });

  it('names nobody from too few bits, from no bits, or when two candidates agree equally', () => {
    expect(judge(bitsOf(codewords.s1!, 12), ['s1', 's2'], variantOf).match).toBeNull();
    expect(judge(new Map(), ['s1', 's2'], variantOf).match).toBeNull();
    expect(judge(bitsOf(codewords.s1!, 40), ['s1', 'copy-of-s1'], (c, idx) => variantOf(c === 'copy-of-s1' ? 's1' : c, idx)).match).toBeNull();
  });
});

describe('which object a segment URL serves', () => {
  const key = Buffer.alloc(32, 7);
  it('is a replay session’s codeword variant, never the original, even before every segment has both', () => {
    expect(segmentSource('replay', { marked: true, marks: new Set([1]), r360: new Set() }, 1)).toBe('mark');
    expect(segmentSource('replay', { marked: false, marks: new Set(), r360: new Set([1]) }, 1)).toBe('mark');
    const variants = (sessionId: string) => Array.from({ length: 64 }, (_, i) => derivativeFor('mark', key, sessionId, i + 1));
    expect(new Set(variants('ps-one'))).toEqual(new Set(['mark_a', 'mark_b']));
    expect(variants('ps-two')).not.toEqual(variants('ps-one'));
  });

  it('is the 360p rendition for a live session where it exists', () => {
    const derived = { marked: true, marks: new Set<number>(), r360: new Set([5]) };
    expect([5, 6].map((idx) => segmentSource('live', derived, idx))).toEqual(['r360', 'original']);
    expect(derivativeFor('r360', key, 'ps-one', 5)).toBe('r360');
  });

  it('is part of what the URL signs', () => {
    expect(segmentObject('rec-1', 3, 'original')).toBe('rec-1/3');
    expect(segmentObject('rec-1', 3, 'mark')).toBe('rec-1/3/mark');
  });
});

describe('the mark and the decode a trace compares', () => {
  it('add the pattern for A and subtract it for B, and change nothing else', () => {
    const [a, b] = [forensicMarkFilter('A'), forensicMarkFilter('B')];
    expect(a).toContain("lum='128+");
    expect(b).toBe(a.replace("lum='128+", "lum='128-"));
    expect(a).toContain('cb=128:cr=128');
    expect(a).toMatch(/blend=all_mode=grainmerge$/);
  });

  it('decode every frame, none dropped or repeated, to tiny grey images', () => {
    const { outputOptions: out } = greyFramesArgs();
    const valueOf = (flag: string) => out[out.indexOf(flag) + 1];
    expect(valueOf('-map')).toBe('0:v:0');
    expect(valueOf('-vf')).toBe('scale=64:36:flags=area,format=gray');
    expect(valueOf('-fps_mode')).toBe('passthrough');
    expect(valueOf('-f')).toBe('rawvideo');
  });
});

describe('counting the video frames of a TS segment', () => {
  const packet = (opts: { unitStart: boolean; adaptation?: number; payload: number[] }) => {
    const p = Buffer.alloc(188, 0xff);
    p[0] = 0x47;
    p[1] = opts.unitStart ? 0x40 : 0;
    p[3] = opts.adaptation === undefined ? 0x10 : 0x30;
    let at = 4;
    if (opts.adaptation !== undefined) {
      p[4] = opts.adaptation;
      at += 1 + opts.adaptation;
    }
    Buffer.from(opts.payload).copy(p, at);
    return p;
  };
  const video = [0, 0, 1, 0xe0];
  const audio = [0, 0, 1, 0xc0];

  it('counts the start of each video PES packet, whatever the adaptation field, and nothing else', () => {
    const ts = Buffer.concat([
      packet({ unitStart: true, payload: video }),
      packet({ unitStart: false, payload: video }),
      packet({ unitStart: true, adaptation: 7, payload: video }),
      packet({ unitStart: true, payload: audio }),
      packet({ unitStart: true, payload: [0, 0xb0, 0x0d] }),
    ]);
    expect(videoFrameCount(ts)).toBe(2);
  });

  it('refuses bytes that are not MPEG-TS', () => {
    expect(() => videoFrameCount(Buffer.alloc(188))).toThrow(/not an MPEG-TS packet/);
  });
});

describe('reading the mark of a segment', () => {
  /** A picture with detail everywhere, and a copy of it: marked (±1), noisy, and with a box burned in if asked. */
  const picture = (seed: number) => Uint8Array.from({ length: GREY_WIDTH * GREY_HEIGHT }, (_, p) => 128 + Math.round(60 * Math.sin(p * 0.37 + seed) * Math.cos(p * 0.011 * seed)));
  const copyOf = (original: Uint8Array, sign: number, box: boolean, seed: number) =>
    original.map((v, p) => {
      const [x, y] = [p % GREY_WIDTH, Math.floor(p / GREY_WIDTH)];
      const mark = sign * MARK_AMPLITUDE * markPattern((x + 0.5) / GREY_WIDTH, (y + 0.5) / GREY_HEIGHT);
      const noise = 1.5 * Math.sin(p * 12.9898 + seed * 78.233);
      const burned = box && y > GREY_HEIGHT - 8 && x > 10 && x < 54 ? -70 : 0;
      return Math.max(0, Math.min(255, Math.round(v + mark + noise + burned)));
    });
  const segment = (sign: number, box: boolean) =>
    Array.from({ length: 20 }, (_, f) => {
      const original = picture(f + 1);
      return [copyOf(original, sign, box, f), original] as [Uint8Array, Uint8Array];
    });

  it('reads A and B from their signs, also under a burned-in box', () => {
    for (const box of [false, true]) {
      const [a, b] = [segment(1, box), segment(-1, box)];
      const keep = readablePixels([...a, ...b]);
      expect(readMark(a, keep).bit).toBe('A');
      expect(readMark(b, keep).bit).toBe('B');
      expect(Math.abs(readMark(a, keep).amplitude - MARK_AMPLITUDE)).toBeLessThan(0.5);
    }
  });

  it('reads nothing from an unmarked copy or from too few frames', () => {
    const plain = segment(0, true);
    expect(readMark(plain, readablePixels(plain)).bit).toBeNull();
    const few = segment(1, false).slice(0, 5);
    expect(readMark(few, readablePixels(few)).bit).toBeNull();
  });
});
