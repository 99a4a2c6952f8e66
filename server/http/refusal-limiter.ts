/**
 * Refusals of requests that carry no valid identity, counted per address. A stranger decides how
 * many of those arrive, so none of them may cost an audit row of its own:
 * - each address's refusals are reported as one audit event per window (`http.refused`) with the
 *   count, when the window ends, so the log still counts every one of them;
 * - past `limit` refusals in its window an address is answered 429 until the window ends.
 * An IPv6 address counts by its /64, which one subscriber holds whole. Memory is bounded: beyond
 * `maxAddresses` windows at once, further addresses share one overflow window, reported like the
 * others but not limited (one address among thousands cannot be told from the rest).
 */
import net from 'node:net';
import type { AuditAction } from '../audit/audit-actions.ts';
import type { AuditInput, AuditLog } from '../audit/audit-log.ts';
import type { Metrics } from '../observability/metrics.ts';
import { type Clock, systemClock } from '../clock.ts';

export interface Refusal {
  /** `METHOD /path` */
  route: string;
  status: number;
  reason: string;
  userAgent: string | null;
}

export interface RefusalLimits {
  /** refusals an address may have in one window before it is answered 429 */
  limit: number;
  windowMs: number;
  /** the audit action of the counted event: `http.refused`, or `ingest.refused` for RTMP */
  action?: AuditAction;
  /** who the counted event names: `anonymous` for HTTP; `unknown` for RTMP, whose caller claims a name */
  actor?: string;
  maxAddresses?: number;
}

/** What a stranger controls is cut to this in the audit row. */
const MAX_TEXT = 200;
/** Distinct route/status/reason kinds kept per report; the rest are counted under `other`. */
const SAMPLE_KINDS = 10;
const OVERFLOW = '*';

interface Report {
  count: number;
  /** of them answered 429 by this limiter */
  limited: number;
  first: number;
  last: number;
  sample: Map<string, number>;
  userAgent: string | null;
}

interface Window {
  start: number;
  refusals: number;
  /** refusals not yet handed to the audit log */
  report?: Report;
}

/** The address refusals are counted under: IPv4 as it is, IPv6 by its /64. */
export function addressKey(address: string | null): string {
  if (!address) return 'unknown';
  const bare = address.split('%')[0]!;
  if (!net.isIPv6(bare)) return bare;
  const [head = '', tail] = bare.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

export class RefusalLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly maxAddresses: number;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly audit: AuditLog,
    private readonly limits: RefusalLimits,
    private readonly onError: (err: unknown) => void,
    private readonly metrics?: Metrics,
    private readonly clock: Clock = systemClock,
  ) {
    this.maxAddresses = limits.maxAddresses ?? 10_000;
    // Whoever flushes the audit log (server stop, a test reading it) gets the counts so far too.
    audit.holdsBack(() => this.flush());
  }

  start(): void {
    this.timer = setInterval(() => this.sweep(), Math.min(this.limits.windowMs, 1000));
    this.timer.unref();
  }

  /** Reports every open window (their limits go on until they end). */
  stop(): void {
    clearInterval(this.timer);
    this.flush();
  }

  /** Seconds until `address` may be refused again without a 429; 0 while it is under the limit. */
  retryAfter(address: string | null): number {
    const key = addressKey(address);
    const w = this.windows.get(key);
    const now = this.clock.now().getTime();
    if (!w || now >= w.start + this.limits.windowMs || w.refusals < this.limits.limit) return 0;
    return this.secondsLeft(w, now);
  }

  /** Counts one refusal; returns the seconds to send with a 429 when the address is over its limit, else 0. */
  refused(address: string | null, refusal: Refusal): number {
    const now = this.clock.now().getTime();
    const [key, w] = this.windowFor(addressKey(address), now);
    w.refusals++;
    const wait = key === OVERFLOW || w.refusals <= this.limits.limit ? 0 : this.secondsLeft(w, now);
    const r = (w.report ??= { count: 0, limited: 0, first: now, last: now, sample: new Map(), userAgent: refusal.userAgent?.slice(0, MAX_TEXT) ?? null });
    r.count++;
    r.last = now;
    const kind = `${refusal.status} ${refusal.route.slice(0, MAX_TEXT)} ${refusal.reason.slice(0, MAX_TEXT)}`;
    const counted = r.sample.has(kind) || r.sample.size < SAMPLE_KINDS ? kind : 'other';
    r.sample.set(counted, (r.sample.get(counted) ?? 0) + 1);
    if (wait > 0) {
      r.limited++;
      this.metrics?.refusalsLimited.inc();
    }
    return wait;
  }

  /** Hands every count not yet reported to the audit log. */
  flush(): void {
    for (const [key, w] of this.windows) this.report(key, w);
  }

  /** Reports and forgets the windows that have ended. */
  sweep(): void {
    const now = this.clock.now().getTime();
    for (const [key, w] of this.windows) {
      if (now < w.start + this.limits.windowMs) continue;
      this.report(key, w);
      this.windows.delete(key);
    }
  }

  /** Whole seconds until `w` ends, at least 1: the Retry-After of a 429. */
  private secondsLeft(w: Window, now: number): number {
    return Math.max(1, Math.ceil((w.start + this.limits.windowMs - now) / 1000));
  }

  private windowFor(address: string, now: number): [string, Window] {
    const key = this.windows.has(address) || this.windows.size < this.maxAddresses ? address : OVERFLOW;
    let w = this.windows.get(key);
    if (w && now >= w.start + this.limits.windowMs) {
      this.report(key, w);
      w = undefined;
    }
    if (!w) {
      w = { start: now, refusals: 0 };
      this.windows.set(key, w);
    }
    return [key, w];
  }

  private report(key: string, w: Window): void {
    const r = w.report;
    if (!r) return;
    w.report = undefined;
    const event: AuditInput = {
      actor: this.limits.actor ?? 'anonymous',
      action: this.limits.action ?? 'http.refused',
      outcome: 'refused',
      address: key === OVERFLOW ? null : key,
      userAgent: r.userAgent,
      detail: {
        count: r.count,
        limited: r.limited,
        first: new Date(r.first).toISOString(),
        last: new Date(r.last).toISOString(),
        sample: Object.fromEntries(r.sample),
        ...(key === OVERFLOW ? { overflow: true } : {}),
      },
    };
    this.audit.record(event).catch(this.onError);
  }
}
