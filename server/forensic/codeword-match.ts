/**
 * Whose codeword the bits read from a leak agree with, and how surprising that agreement would be
 * for someone else. Codeword bits are a keyed hash of the subject's id: for any codeword but the
 * leaker's, each bit read agrees with probability ½, independently of the others. So the chance
 * that one innocent candidate agrees on k of n bits or more is the binomial tail, and K times it
 * bounds the chance that any of K innocent candidates does — the false-match probability, which
 * must be under FALSE_MATCH_LIMIT before a candidate is named. Pure.
 */
import type { Variant } from './codeword.ts';

export const FALSE_MATCH_LIMIT = 1e-4;

/** P(X ≥ k) for X ~ Binomial(n, ½). */
export function binomialTail(n: number, k: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  const logFactorial = [0];
  for (let i = 1; i <= n; i++) logFactorial.push(logFactorial[i - 1]! + Math.log(i));
  const logTerm = (i: number) => logFactorial[n]! - logFactorial[i]! - logFactorial[n - i]! - n * Math.LN2;
  const logs = Array.from({ length: n - k + 1 }, (_, i) => logTerm(k + i));
  const top = Math.max(...logs);
  return Math.min(1, Math.exp(top) * logs.reduce((s, l) => s + Math.exp(l - top), 0));
}

export interface Scored<C> {
  candidate: C;
  agree: number;
  /** bits read */
  of: number;
  /** chance that a codeword unrelated to the leak agrees as well */
  chance: number;
}

export interface Verdict<C> {
  /** best first */
  ranked: Scored<C>[];
  /** the named candidate, with the chance that any innocent candidate would agree as well */
  match: (Scored<C> & { falseMatch: number }) | null;
}

export function judge<C>(bits: Map<number, Variant>, candidates: C[], variantOf: (candidate: C, idx: number) => Variant): Verdict<C> {
  const ranked = candidates
    .map((candidate) => {
      let agree = 0;
      for (const [idx, bit] of bits) if (variantOf(candidate, idx) === bit) agree++;
      return { candidate, agree, of: bits.size, chance: binomialTail(bits.size, agree) };
    })
    .sort((a, b) => b.agree - a.agree);
  const [best, next] = ranked;
  if (!best || bits.size === 0 || (next && next.agree === best.agree)) return { ranked, match: null };
  const falseMatch = Math.min(1, candidates.length * best.chance);
  return { ranked, match: falseMatch <= FALSE_MATCH_LIMIT ? { ...best, falseMatch } : null };
}
