/**
 * Signed playback URLs: HMAC-SHA256 over (session, object, expiry). They let native HLS players
 * (which cannot send an Authorization header) fetch exactly the objects of their own session for
 * a few minutes, and nothing else.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { type Clock, systemClock } from '../clock.ts';

export const SIGNATURE_TTL_SECONDS = 600;

/**
 * A segment URL signs which object it serves, not only which segment: one handed a marked
 * variant cannot ask for the original or a rendition instead (and the variant itself follows from
 * the signed session).
 */
export function segmentObject(recordingId: string, idx: number, source: string): string {
  return source === 'original' ? `${recordingId}/${idx}` : `${recordingId}/${idx}/${source}`;
}

export class UrlSigner {
  constructor(
    private readonly key: Buffer,
    private readonly clock: Clock = systemClock,
  ) {}

  /** `object` names what is signed: `index` for the playlist, `segmentObject(…)` for a segment. */
  sign(sessionId: string, object: string, notAfter: Date): { exp: number; sig: string } {
    const exp = Math.min(Math.floor(this.clock.now().getTime() / 1000) + SIGNATURE_TTL_SECONDS, Math.floor(notAfter.getTime() / 1000));
    return { exp, sig: this.mac(sessionId, object, exp) };
  }

  query(sessionId: string, object: string, notAfter: Date): string {
    const { exp, sig } = this.sign(sessionId, object, notAfter);
    return `exp=${exp}&sig=${sig}`;
  }

  /** Why a signature is refused, or null when it is good. */
  check(sessionId: string, object: string, exp: unknown, sig: unknown): 'bad_signature' | 'signature_expired' | null {
    if (typeof exp !== 'string' || typeof sig !== 'string' || !/^\d{1,12}$/.test(exp)) return 'bad_signature';
    const expected = Buffer.from(this.mac(sessionId, object, Number(exp)));
    const given = Buffer.from(sig);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'bad_signature';
    return Number(exp) * 1000 < this.clock.now().getTime() ? 'signature_expired' : null;
  }

  private mac(sessionId: string, object: string, exp: number): string {
    return createHmac('sha256', this.key).update(`${sessionId}\n${object}\n${exp}`).digest('base64url');
  }
}
