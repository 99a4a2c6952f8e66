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
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Device } from '../db/schema.ts';
import type { PublishGate } from '../devices/publish-gate.ts';
import { RTMP_APP } from './publish-url.ts';
import { BaseSession, NodeMediaServer, type NmsServer, type NmsSession, nmsContext, quietNmsLogger } from './node-media-server.ts';

export interface PublishStart {
  device: Device;
  sessionId: string;
  address: string;
  /** the published stream as FLV; ends when the publisher goes away */
  flv: Readable;
}

interface IngestEvents {
  publish: [PublishStart];
  unpublish: [{ deviceId: string; sessionId: string }];
  refused: [{ deviceId: string; reason: string }];
}

export class RtmpIngest extends EventEmitter<IngestEvents> {
  private nms?: NmsServer;
  /** node-media-server's signed-URL check, fed by liuhen: only accepted publishers get a signature. */
  private readonly secret = randomBytes(32).toString('hex');
  private readonly publishers = new Map<string, NmsSession>();
  private stopping = false;

  constructor(
    private readonly opts: { port: number; bind: string; storeDir: string },
    private readonly gate: PublishGate,
    private readonly audit: AuditLog,
    private readonly log: Logger,
    /** whether a device has a recording open (within its grace window): it may continue below the disk reserve */
    private readonly hasOpenRecording: (deviceId: string) => boolean = () => false,
  ) {
    super();
    gate.onRevoked((deviceId) => this.disconnect(deviceId));
  }

  async start(): Promise<void> {
    const nms = new NodeMediaServer({
      bind: this.opts.bind,
      rtmp: { port: this.opts.port },
      webadmin: { enable: false },
      store: { path: this.opts.storeDir },
      auth: { publish: true, play: true, secret: this.secret },
    });
    quietNmsLogger();
    // Its store would re-raise SIGTERM before liuhen has sealed what is in flight.
    nms.store.options.signals = false;
    this.nms = nms;
    nms.on('prePublish', (s) => this.prePublish(s));
    nms.on('postPublish', (s) => this.postPublish(s));
    // The library calls process.exit(1) when its port is taken; turn that into an error we can report.
    let listenError: ((e: Error) => void) | undefined;
    nms.rtmpServer.handleListenError = () => (err) => listenError?.(err);
    await new Promise<void>((resolve, reject) => {
      listenError = reject;
      nms.rtmpServer.tcpServer?.once('listening', () => resolve());
      void nms.run();
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.nms?.stop();
  }

  disconnect(deviceId: string): void {
    this.publishers.get(deviceId)?.close();
  }

  private prePublish(session: NmsSession): void {
    // A publish still in the library's pipes while the server stops: refused (no signature), not recorded.
    if (this.stopping) return;
    const key = typeof session.streamQuery.key === 'string' ? session.streamQuery.key : undefined;
    // Never trust a signature the client brought; only liuhen writes one.
    delete session.streamQuery.sign;
    const address = session.ip.replace(/:\d+$/, '');
    const decision = session.streamApp === RTMP_APP ? this.gate.checkPublish(session.streamName, key, this.hasOpenRecording) : ({ ok: false, reason: 'unknown_device' } as const);
    if (!decision.ok) {
      this.log.warn({ device: session.streamName, address, reason: decision.reason }, 'publish refused');
      this.emit('refused', { deviceId: session.streamName, reason: decision.reason });
      void this.audit
        .record({ actor: `device:${session.streamName}`, action: 'ingest.publish', subject: session.streamName, outcome: 'refused', address, detail: { reason: decision.reason } })
        .catch((e) => this.log.error(e, 'audit write failed'));
      return;
    }
    const broadcast = nmsContext.broadcasts.get(session.streamPath);
    // liuhen keeps its own grace window with gaps in the ledger; the library's would splice the
    // two publishes together and replay the old GOP into the new one.
    if (broadcast) broadcast.publishGraceMs = 0;
    const expires = Math.floor(Date.now() / 1000) + 60;
    const hash = createHash('md5').update(`${session.streamPath}-${expires}-${this.secret}`).digest('hex');
    session.streamQuery.sign = `${expires}-${hash}`;
  }

  private postPublish(session: NmsSession): void {
    if (this.stopping) return;
    const broadcast = nmsContext.broadcasts.get(session.streamPath);
    // A second publisher on a path also passes through here before the library refuses it.
    if (!broadcast || broadcast.publisher !== null) return;
    const decision = this.gate.check(session.streamName, session.streamQuery.key as string | undefined);
    if (!decision.ok) return;
    const address = session.ip.replace(/:\d+$/, '');
    const flv = new FlvTap();
    const tap = new BaseSession();
    tap.protocol = 'flv';
    tap.streamPath = session.streamPath;
    tap.sendBuffer = (tag) => flv.push(tag);
    broadcast.postPlay(tap);
    this.publishers.set(decision.device.id, session);
    session.socket?.once('close', () => {
      broadcast.donePlay(tap);
      flv.end();
      if (this.publishers.get(decision.device.id) === session) this.publishers.delete(decision.device.id);
      this.emit('unpublish', { deviceId: decision.device.id, sessionId: session.id });
    });
    void this.audit
      .record({ actor: `device:${decision.device.id}`, action: 'ingest.publish', subject: decision.device.id, outcome: 'ok', address })
      .catch((e) => this.log.error(e, 'audit write failed'));
    this.emit('publish', { device: decision.device, sessionId: session.id, address, flv: flv.stream });
  }
}
