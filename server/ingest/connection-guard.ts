/**
 * RTMP connection hygiene. node-media-server keeps every accepted socket until its peer leaves,
 * so a port scanner or a stalled client holds a descriptor forever. The guard watches the
 * library's net.Server from outside: a connection has `handshakeMs` to become an accepted
 * publisher, a publisher that sends nothing for `idleMs` is cut (its recording gets a gap through
 * the ordinary close path), and connections are capped per address and in total.
 */
import type { Server, Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Metrics } from '../observability/metrics.ts';

export type RtmpLimits = Config['rtmp'];
export type CloseReason = 'handshake_timeout' | 'idle' | 'per_address_cap' | 'total_cap' | 'refused';

interface Tracked {
  address: string;
  openedAt: number;
  lastDataAt: number;
  publishing: boolean;
}

/** The bookkeeping alone, keyed by anything, with the clock passed in: the policy without sockets. */
export class ConnectionBook<K> {
  private readonly open = new Map<K, Tracked>();
  private readonly perAddress = new Map<string, number>();

  constructor(private readonly limits: Pick<RtmpLimits, 'handshakeMs' | 'idleMs' | 'maxPerAddress'>) {}

  get size(): number {
    return this.open.size;
  }

  /** Tracks the connection, or says why it must be closed at once (then it is not tracked). */
  admit(key: K, address: string, now: number): 'per_address_cap' | undefined {
    const count = this.perAddress.get(address) ?? 0;
    if (count >= this.limits.maxPerAddress) return 'per_address_cap';
    this.perAddress.set(address, count + 1);
    this.open.set(key, { address, openedAt: now, lastDataAt: now, publishing: false });
    return undefined;
  }

  data(key: K, now: number): void {
    const t = this.open.get(key);
    if (t) t.lastDataAt = now;
  }

  /** The connection is an accepted publisher: from now on only silence ends it. */
  publishing(key: K, now: number): void {
    const t = this.open.get(key);
    if (!t) return;
    t.publishing = true;
    t.lastDataAt = now;
  }

  release(key: K): void {
    const t = this.open.get(key);
    if (!t) return;
    this.open.delete(key);
    const left = (this.perAddress.get(t.address) ?? 1) - 1;
    if (left > 0) this.perAddress.set(t.address, left);
    else this.perAddress.delete(t.address);
  }

  /** Connections past their deadline. They stay tracked until released (their socket's close). */
  overdue(now: number): Array<{ key: K; reason: 'handshake_timeout' | 'idle' }> {
    const out: Array<{ key: K; reason: 'handshake_timeout' | 'idle' }> = [];
    for (const [key, t] of this.open) {
      if (!t.publishing && now - t.openedAt >= this.limits.handshakeMs) out.push({ key, reason: 'handshake_timeout' });
      else if (t.publishing && now - t.lastDataAt >= this.limits.idleMs) out.push({ key, reason: 'idle' });
    }
    return out;
  }
}

/** IPv4 peers of a dual-stack listener arrive as ::ffff:a.b.c.d; count them with plain IPv4 peers. */
function peerAddress(socket: Socket): string | undefined {
  return socket.remoteAddress?.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
}

export class ConnectionGuard {
  private readonly book: ConnectionBook<Socket>;
  private sweep?: NodeJS.Timeout;

  constructor(
    private readonly limits: RtmpLimits,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    this.book = new ConnectionBook(limits);
  }

  watch(server: Server): void {
    // Node refuses connections beyond this before a Socket (or a library session) exists: cheapest under a flood.
    server.maxConnections = this.limits.maxConnections;
    server.on('drop', () => this.metrics.rtmpClosed.inc({ reason: 'total_cap' }));
    // Ahead of the library's own listener, so a connection over the cap never costs a session.
    server.prependListener('connection', (socket: Socket) => this.admit(socket));
    // A deadline is late by at most a quarter of itself.
    const tick = Math.max(100, Math.min(1000, Math.min(this.limits.handshakeMs, this.limits.idleMs) / 4));
    this.sweep = setInterval(() => this.closeOverdue(), tick);
    this.sweep.unref();
  }

  stop(): void {
    clearInterval(this.sweep);
  }

  /** Called once the publish gate has let this connection publish. */
  publishing(socket: Socket): void {
    this.book.publishing(socket, performance.now());
  }

  /**
   * A refused publisher: the library only ends its side, and a client that never answers the FIN
   * would keep the descriptor until the handshake deadline. Close as soon as the end is flushed.
   */
  refused(socket: Socket): void {
    socket.once('finish', () => this.close(socket, 'refused'));
  }

  private admit(socket: Socket): void {
    const address = peerAddress(socket);
    // No peer address: the peer is already gone.
    if (address === undefined) {
      socket.destroy();
      return;
    }
    const refusal = this.book.admit(socket, address, performance.now());
    if (refusal) {
      this.metrics.rtmpClosed.inc({ reason: refusal });
      this.log.debug({ address, reason: refusal }, 'rtmp connection refused');
      socket.destroy();
      return;
    }
    this.metrics.rtmpConnections.set(this.book.size);
    socket.on('data', () => this.book.data(socket, performance.now()));
    socket.once('close', () => {
      this.book.release(socket);
      this.metrics.rtmpConnections.set(this.book.size);
    });
  }

  private closeOverdue(): void {
    for (const { key, reason } of this.book.overdue(performance.now())) this.close(key, reason);
  }

  private close(socket: Socket, reason: CloseReason): void {
    if (socket.destroyed) return;
    this.metrics.rtmpClosed.inc({ reason });
    this.log.debug({ address: peerAddress(socket), reason }, 'rtmp connection closed');
    socket.destroy();
  }
}
