import { describe, expect, it } from 'vitest';
import { OutputArena } from '../../server/media/output-arena.ts';

describe('the cutter’s output arena', () => {
  it('hands out views that do not overlap until it is recycled', () => {
    const arena = new OutputArena();
    const views = Array.from({ length: 100 }, (_, i) => arena.take(1000 + i).fill(i));
    views.forEach((v, i) => expect(v.every((b) => b === i)).toBe(true));
  });

  it('hands the same memory out again once what was taken is written', () => {
    const arena = new OutputArena();
    const first = Array.from({ length: 200 }, () => arena.take(2000));
    const slabs = new Set(first.map((v) => v.buffer));
    arena.recycle();
    const second = Array.from({ length: 200 }, () => arena.take(2000));
    expect(second.every((v) => slabs.has(v.buffer))).toBe(true);
  });

  it('gives a frame larger than a slab memory of its own', () => {
    const arena = new OutputArena();
    const small = arena.take(100);
    const big = arena.take(1 << 20);
    expect(big.length).toBe(1 << 20);
    expect(big.buffer).not.toBe(small.buffer);
  });
});
