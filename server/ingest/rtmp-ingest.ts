/**
 * RTMP in: node-media-server in-process. A publisher is let through only when the publish gate
 * accepts its device id and credential (rtmp://host/live/<deviceId>?key=<credential>); every
 * refusal is audited. Accepted streams are tapped in-process as FLV (no second RTMP hop) and
 * handed to the recordings coordinator.
 */
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import { FlvTap } from './flv-tap.ts';
import type { ConnectionGuard } from './connection-guard.ts';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.ts';
import type { RefusalLimiter } from '../http/refusal-limiter.ts';
import type { Device } from '../db/schema.ts';
import type { GateDecision, PublishGate } from '../devices/publish-gate.ts';
import type { DeviceLeases } from '../cluster/device-leases.ts';
import type { SegmenterInput } from '../media/segmenter-args.ts';
import { RTMP_APP } from './publish-url.ts';
import { BaseSession, flvOnly, NodeMediaServer, type NmsBroadcast, type NmsServer, type NmsSession, nmsContext, quietNmsLogger } from './node-media-server.ts';

/** far above any device id; keeps a stranger from writing long rows into the audit log */
const CLAIMED_NAME_MAX = 100;

/**
 * node-media-server's signed-URL check, fed by liuhen: only accepted publishers get a signature.
 * The library checks it against the process's one configuration (the last server made), so every
 * server of a process signs with this one secret: where a process runs several (tests do), each
 * one's publishes pass, not only the last one's.
 */
const SIGNING_SECRET = randomBytes(32).toString('hex');

type RefusalReason = Extract<GateDecision, { ok: false }>['reason'];

/** The device's credential, from the publish URL's `?key=`. */
function publishKey(session: NmsSession): string | undefined {
  return typeof session.streamQuery.key === 'string' ? session.streamQuery.key : undefined;
}

export interface PublishStart {
  device: Device;
  sessionId: string;
  address: string;
  /** the published stream, in `format`; ends when the publisher goes away */
  media: Readable;
  /**
   * The container `media` comes in, which the segmenter reads: FLV from node-media-server (RTMP
   * carries nothing else), MPEG-TS from a pulled camera (FLV cannot carry H.265).
   */
  format: SegmenterInput;
  /**
   * The same publish as a fresh FLV stream (headers, then from the current GOP on), replacing the
   * one before: for a segmenter started again after its first one failed. Absent where the source
   * cannot be tapped twice (a pulled camera reconnects instead).
   */
  retap?: () => Readable;
  /** the node that died recording this device (its lease lapsed and this node took it): its open recording continues here */
  takenOver?: { node: string; renewedAt: string };
}

interface IngestEvents {
  publish: [PublishStart];
  unpublish: [{ deviceId: string; sessionId: string }];
  refused: [{ deviceId: string; reason: string }];
}

export class RtmpIngest extends EventEmitter<IngestEvents> {
  private nms?: NmsServer;
  private readonly publishers = new Map<string, NmsSession>();
  private stopping = false;
  private lastAcceptFailureLog = 0;

  constructor(
    private readonly opts: {
      port: number;
      bind: string;
      storeDir: string;
      guard: ConnectionGuard;
      refusals: Pick<RefusalLimiter, 'refused'>;
      /** which node records a device; without, every accepted publish is recorded here */
      leases?: Pick<DeviceLeases, 'claim' | 'release'>;
    },
    private readonly gate: PublishGate,
    private readonly audit: AuditLog,
    private readonly log: Logger,
    /** whether a device has a recording open (within its grace window): it may continue below the disk reserve */
    private readonly hasOpenRecording: (deviceId: string) => boolean = () => false,
  ) {
    super();
    gate.onRevoked((deviceId) => this.disconnect(deviceId));
  }

  /** whether the RTMP port is accepting connections (for /readyz) */
  get listening(): boolean {
    return !this.stopping && (this.nms?.rtmpServer.tcpServer?.listening ?? false);
  }

  async start(): Promise<void> {
    const nms = new NodeMediaServer({
      bind: this.opts.bind,
      rtmp: { port: this.opts.port },
      webadmin: { enable: false },
      // Its history of finished publishes (up to 10,000, the whole file rewritten at each) is read by
      // nobody here: liuhen's own audit log records every publish.
      store: { path: this.opts.storeDir, maxHistory: 0 },
      auth: { publish: true, play: true, secret: SIGNING_SECRET },
    });
    quietNmsLogger();
    // Its store would re-raise SIGTERM before liuhen has sealed what is in flight.
    nms.store.options.signals = false;
    // It retries failed flushes itself (e.g. out of descriptors); liuhen only wants them in its own log.
    nms.store.on('error', (err) => this.log.warn({ err }, 'rtmp server store flush failed'));
    this.nms = nms;
    nms.on('prePublish', (s) => this.prePublish(s));
    nms.on('postPublish', (s) => this.postPublish(s));
    // The library calls process.exit(1) on any server error: a taken port, and also a failed
    // accept (EMFILE once libuv's reserve descriptor is spent). Before listening it is reported
    // to the caller; afterwards the listener goes on accepting and the failure is logged.
    let serverError: (e: Error) => void = () => {};
    nms.rtmpServer.handleListenError = () => (err) => serverError(err);
    await new Promise<void>((resolve, reject) => {
      serverError = reject;
      nms.rtmpServer.tcpServer?.once('listening', () => resolve());
      void nms.run();
    });
    serverError = (err) => this.logAcceptFailure(err);
    this.opts.guard.watch(nms.rtmpServer.tcpServer!);
  }

  /** At most one line per 10 s: a flood can fail thousands of accepts a second. */
  private logAcceptFailure(err: Error): void {
    const now = performance.now();
    if (now - this.lastAcceptFailureLog < 10_000) return;
    this.lastAcceptFailureLog = now;
    this.log.error({ err }, 'rtmp accept failed; the listener goes on');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.opts.guard.stop();
    await this.nms?.stop();
  }

  disconnect(deviceId: string): void {
    this.publishers.get(deviceId)?.close();
  }

  /**
   * node-media-server's events are the process's, not one server's: where a process runs several
   * servers (tests do), each answers only the publishes that came in on its own port. Another's,
   * unknown to this node's gate, would be let through to a reread here and then closed.
   */
  private ours(session: NmsSession): boolean {
    return session.socket?.localPort === this.opts.port;
  }

  private prePublish(session: NmsSession): void {
    // A publish still in the library's pipes while the server stops: refused (no signature), not recorded.
    if (this.stopping || !this.ours(session)) return;
    // Never trust a signature the client brought; only liuhen writes one.
    delete session.streamQuery.sign;
    if (session.streamApp !== RTMP_APP) return this.refuse(session, 'unknown_device');
    const decision = this.gate.checkPublish(session.streamName, publishKey(session), this.hasOpenRecording);
    // A device this node does not know may have been added on another node a moment ago, and the
    // library cannot wait here for the registry: the publish goes on, and postPublish decides once
    // the registry is read again.
    if (!decision.ok && decision.reason !== 'unknown_device') return this.refuse(session, decision.reason);
    const broadcast = nmsContext.broadcasts.get(session.streamPath);
    if (broadcast) {
      // liuhen keeps its own grace window with gaps in the ledger; the library's would splice the
      // two publishes together and replay the old GOP into the new one.
      broadcast.publishGraceMs = 0;
      flvOnly(broadcast);
    }
    const expires = Math.floor(Date.now() / 1000) + 60;
    const hash = createHash('md5').update(`${session.streamPath}-${expires}-${SIGNING_SECRET}`).digest('hex');
    session.streamQuery.sign = `${expires}-${hash}`;
  }

  /**
   * Says no to a publish: logged, audited or counted, and its socket closed as soon as the end is
   * flushed. Refused in prePublish, the library ends the socket itself (no signature).
   */
  private refuse(session: NmsSession, reason: RefusalReason): void {
    const address = session.ip.replace(/:\d+$/, '');
    // The stream name is whatever the caller typed (any length): evidence of the attempt, never an identity.
    const claimed = session.streamName.slice(0, CLAIMED_NAME_MAX);
    this.log.warn({ claimed, address, reason }, 'publish refused');
    this.emit('refused', { deviceId: claimed, reason });
    if (reason === 'disk_reserve') {
      // A device that proved who it is: its refusal is audited on its own, like any insider's.
      void this.audit
        .record({ actor: `device:${claimed}`, action: 'ingest.publish', subject: claimed, outcome: 'refused', address, detail: { reason } })
        .catch((e) => this.log.error(e, 'audit write failed'));
    } else {
      // A stranger decides how many of these arrive: counted per address, one audit event a window.
      this.opts.refusals.refused(address, { route: `publish ${session.streamApp.slice(0, CLAIMED_NAME_MAX)}/${claimed}`, status: 401, reason, userAgent: null });
    }
    if (session.socket) this.opts.guard.refused(session.socket);
  }

  private postPublish(session: NmsSession): void {
    if (this.stopping || !this.ours(session)) return;
    const broadcast = nmsContext.broadcasts.get(session.streamPath);
    // A second publisher on a path also passes through here before the library refuses it.
    if (!broadcast || broadcast.publisher !== null) return;
    const decision = this.gate.check(session.streamName, publishKey(session));
    if (decision.ok) return this.record(session, broadcast, decision.device);
    if (decision.reason === 'unknown_device') this.decideAfterReread(session, broadcast);
  }

  /**
   * A publish prePublish let through unknown: refused (and closed) if the device is still unknown
   * once the registry is read again, else recorded. The gate limits how often it reads (a stranger
   * choosing device ids cannot make each publish a database read); meanwhile the connection is
   * not yet a publisher to the ConnectionGuard, whose handshake deadline still holds.
   */
  private decideAfterReread(session: NmsSession, broadcast: NmsBroadcast): void {
    void this.gate
      .reread()
      .catch((err) => this.log.warn({ err }, 'rereading the devices for a publish failed; deciding on what is known'))
      .then(() => {
        const decision = this.gate.checkPublish(session.streamName, publishKey(session), this.hasOpenRecording);
        if (!decision.ok) {
          this.refuse(session, decision.reason);
          return session.close();
        }
        // Gone while the registry was read: nothing to record.
        if (this.stopping || broadcast.publisher !== session || session.socket?.destroyed) return;
        this.record(session, broadcast, decision.device);
      })
      .catch((e) => this.log.error({ err: e, device: session.streamName.slice(0, CLAIMED_NAME_MAX) }, 'publish after rereading the devices failed'));
  }

  /** An accepted publish: recorded here, once this node holds the device's lease where there are leases. */
  private record(session: NmsSession, broadcast: NmsBroadcast, device: Device): void {
    const leases = this.opts.leases;
    if (!leases) return this.accept(session, broadcast, device);
    // The lease is a database round trip, which the library's synchronous hooks cannot wait for:
    // the session publishes meanwhile and is closed if another node holds the device.
    const deviceId = device.id;
    void leases
      .claim(deviceId, session.id)
      .then(({ holder, takenOver }) => {
        if (holder !== undefined) return this.refuseLeased(session, deviceId, holder);
        // Gone while the lease was taken: nothing to record, and the device is free again.
        if (this.stopping || broadcast.publisher !== session || session.socket?.destroyed) return leases.release(deviceId, session.id);
        this.accept(session, broadcast, device, takenOver);
      })
      .catch((e) => this.log.error({ err: e, device: deviceId }, 'publish after the device lease failed'));
  }

  private refuseLeased(session: NmsSession, deviceId: string, holder: string): void {
    const address = session.ip.replace(/:\d+$/, '');
    this.log.warn({ device: deviceId, address, node: holder }, 'publish refused: another node records this device');
    this.emit('refused', { deviceId, reason: 'leased' });
    session.close();
    void this.audit
      .record({ actor: `device:${deviceId}`, action: 'device.publish_refused_leased', subject: deviceId, outcome: 'refused', address, detail: { node: holder } })
      .catch((e) => this.log.error(e, 'audit write failed'));
  }

  private accept(session: NmsSession, broadcast: NmsBroadcast, device: Device, takenOver?: PublishStart['takenOver']): void {
    const address = session.ip.replace(/:\d+$/, '');
    let current: { flv: FlvTap; tap: NmsSession } | undefined;
    const untap = () => {
      if (!current) return;
      broadcast.donePlay(current.tap);
      current.flv.end();
      current = undefined;
    };
    const retap = () => {
      untap();
      const flv = new FlvTap();
      const tap = new BaseSession();
      tap.protocol = 'flv';
      tap.streamPath = session.streamPath;
      tap.sendBuffer = (tag) => flv.push(tag);
      broadcast.postPlay(tap);
      current = { flv, tap };
      return flv.stream;
    };
    const flv = retap();
    this.publishers.set(device.id, session);
    if (session.socket) this.opts.guard.publishing(session.socket);
    session.socket?.once('close', () => {
      untap();
      if (this.publishers.get(device.id) === session) this.publishers.delete(device.id);
      this.opts.leases?.release(device.id, session.id);
      this.emit('unpublish', { deviceId: device.id, sessionId: session.id });
    });
    void this.audit.record({ actor: `device:${device.id}`, action: 'ingest.publish', subject: device.id, outcome: 'ok', address }).catch((e) => this.log.error(e, 'audit write failed'));
    this.emit('publish', { device, sessionId: session.id, address, media: flv, format: 'flv', retap, takenOver });
  }
}
