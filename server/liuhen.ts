/**
 * Composes one liuhen server over the core (server/core.ts): RTMP and RTSP ingest, HTTP, workers.
 * Every service is built; each is started only on a node with its role (server/cluster/roles.ts),
 * and the single-run duties only while this node leads (server/cluster/leadership.ts). `liuhen up`
 * and the tests start it through here.
 */
import type { AuditAction } from './audit/audit-actions.ts';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { AuditCheckpointer } from './audit/audit-checkpoints.ts';
import { AttemptLimiter } from './auth/attempt-limiter.ts';
import { type Duty, Leadership } from './cluster/leadership.ts';
import { admitNode } from './cluster/node-admission.ts';
import { NodePresence, nodeTimings } from './cluster/node-presence.ts';
import { OrphanedRecordings } from './cluster/orphaned-recordings.ts';
import { DeviceLeases } from './cluster/device-leases.ts';
import { PullLeases } from './cluster/pull-leases.ts';
import { ALL_ROLES, type Roles } from './cluster/roles.ts';
import { type Core, openCore } from './core.ts';
import { AuthService } from './auth/auth-service.ts';
import { PartyRequests } from './party/party-requests.ts';
import { PartyCopies } from './party/party-copies.ts';
import { PartyPresentation } from './party/present-party.ts';
import { Redactions } from './redaction/redactions.ts';
import { ComplianceAnalytics } from './analytics/report.ts';
import { GapNotes } from './cases/gap-notes.ts';
import type { Config } from './config.ts';
import type { ClusterNode } from './db/schema.ts';
import { DeviceHealth } from './devices/device-health.ts';
import { PublishGate } from './devices/publish-gate.ts';
import { leaderLockFor } from './db/leader-lock.ts';
import { createHttpApp, createProbeApp } from './http/app.ts';
import { RefusalLimiter } from './http/refusal-limiter.ts';
import { LiveRecordings } from './ingest/live-recordings.ts';
import { publishUrl } from './ingest/publish-url.ts';
import { RtmpIngest } from './ingest/rtmp-ingest.ts';
import { ConnectionGuard } from './ingest/connection-guard.ts';
import { watchEventLoopDelay } from './observability/event-loop-delay.ts';
import { watchProcessLimits } from './observability/process-limits.ts';
import { RtspIngest } from './ingest/rtsp-ingest.ts';
import { Metrics } from './observability/metrics.ts';
import { readiness } from './observability/readiness.ts';
import { ViewingRooms } from './party/viewing-rooms.ts';
import { PlaybackService } from './playback/playback-service.ts';
import { UrlSigner } from './playback/url-signer.ts';
import { openRedisProbe } from './queue/job-queue.ts';
import { OutboxRelay } from './queue/outbox-relay.ts';
import { OfflineIngest } from './uploads/offline-ingest.ts';
import { Uploads } from './uploads/uploads.ts';
import { DiskReserve } from './storage/disk-reserve.ts';
import { clearUnfinishedPuts } from './storage/unfinished-puts.ts';
import type { JobHandlers } from '../workers/job-handler.ts';
import { startWorkers } from '../workers/run-workers.ts';

/** How soon after its window closes a room nobody looks at is ended (and audited as ended). */
const ROOM_SWEEP_MS = 5000;

export interface RunningServer {
  core: Core;
  metrics: Metrics;
  live: LiveRecordings;
  auditCheckpoints: AuditCheckpointer;
  /** this node in the node registry */
  node: NodePresence;
  leadership: Leadership;
  /** the api's port; reading it on a node without the api role throws */
  httpPort: number;
  rtmpPort: number;
  publishUrl(deviceId: string, credential: string): string;
  stop(): Promise<void>;
}

export interface ServerOptions {
  /** the window refusals are limited and reported in (a minute; tests shorten it) */
  refusalWindowMs?: number;
  /** what this node does; all three by default */
  roles?: Roles;
  /** how often the publish gate rereads the devices (a second; a test lengthens it to see a publish found by a reread on demand alone) */
  gateRefreshMs?: number;
}

/**
 * `jobHandlers`: in-process workers run these instead of the registry (workers/handlers.ts).
 * Refuses to start (SecondNodeRefused) beside a live node where the deployment is one machine's.
 */
export async function startServer(config: Config, jobHandlers?: JobHandlers, { refusalWindowMs = 60_000, roles = ALL_ROLES, gateRefreshMs }: ServerOptions = {}): Promise<RunningServer> {
  const core = await openCore(config);
  const { repos, clock, log, sealer, audit } = core;
  // First, before this node touches a recording, an upload or the store.
  const timings = nodeTimings(config.nodeLeaseSeconds);
  const node = new NodePresence(repos.nodes, roles, log, clock, timings);
  let othersLive: ClusterNode[];
  try {
    othersLive = await node.join();
    admitNode(config, othersLive);
  } catch (e) {
    await node.stop();
    await core.close();
    throw e;
  }
  node.start();
  const metrics = new Metrics();
  const processLimits = await watchProcessLimits(metrics, log);
  const loopDelay = watchEventLoopDelay(metrics);
  if (config.store.kind === 'local') {
    const removed = await clearUnfinishedPuts(config.store.root);
    if (removed > 0) log.warn({ removed }, 'removed unfinished temp files from the evidence store (puts cut short by a crash or a full disk)');
  }
  const volumes = [
    { name: 'data', dir: config.dataDir },
    { name: 'spool', dir: config.spoolDir },
    { name: 'uploads', dir: config.uploads.dir },
  ];
  const diskReserve = new DiskReserve(volumes, config.diskReserveBytes, log, metrics);
  await diskReserve.start();
  const gate = new PublishGate(repos, diskReserve, gateRefreshMs);
  await gate.start();
  core.devices.onChange(() => gate.refresh());
  const live = new LiveRecordings(
    repos,
    sealer,
    {
      spoolDir: config.spoolDir,
      ffmpegPath: config.ffmpegPath,
      cutter: config.cutter,
      segmentSeconds: config.segmentSeconds,
      graceSeconds: config.graceSeconds,
      checkpointSeconds: config.checkpointSeconds,
      stopDrainSeconds: config.stopDrainSeconds,
      rolloverSeconds: config.rolloverSeconds,
      clockDriftMs: config.health.clockDriftMs,
      nodeId: node.id,
      host: os.hostname(),
    },
    log,
    metrics,
    clock,
  );
  const offline = new OfflineIngest(
    repos,
    sealer,
    audit,
    { dir: config.uploads.dir, ffmpegPath: config.ffmpegPath, segmentSeconds: config.segmentSeconds, clockDriftMs: config.health.clockDriftMs },
    log,
    clock,
  );
  // Offline uploads arrive over HTTP (tus): they are taken, and sealed, where the api runs.
  if (roles.has('api')) await offline.recoverUploads();
  const leases = new DeviceLeases(repos.deviceLeases, node.id, log, clock, timings);
  if (roles.has('ingest')) {
    await live.recover(new Map((await core.devices.list()).map((d) => [d.id, d])), new Set(othersLive.map((n) => n.id)));
    live.start();
  }

  const rtmpGuard = new ConnectionGuard(config.rtmp, metrics, log);
  const limits = (action: AuditAction, actor: string) => ({ limit: config.refusalsPerMinute, windowMs: refusalWindowMs, action, actor });
  const refusalReportFailed = (e: unknown) => log.error({ err: e }, 'refusal report failed');
  const rtmpRefusals = new RefusalLimiter(audit, limits('ingest.refused', 'unknown'), refusalReportFailed);
  const ingest = new RtmpIngest(
    { port: config.rtmpPort, bind: config.bind, storeDir: path.join(config.dataDir, 'nms'), guard: rtmpGuard, refusals: rtmpRefusals, leases },
    gate,
    audit,
    log,
    (deviceId) => live.hasOpenRecording(deviceId),
  );
  ingest.on('publish', (p) => live.publishStarted(p));
  ingest.on('unpublish', ({ deviceId, sessionId }) => live.publishEnded(deviceId, sessionId));
  ingest.on('refused', () => metrics.publishRefused.inc());
  const cameras = new RtspIngest({
    repos,
    clock,
    audit,
    log,
    ffmpegPath: config.ffmpegPath,
    secretsKey: core.keys.key('device-secrets'),
    recordings: { publish: (p) => live.publishStarted(p), ended: (deviceId, sessionId, cause) => live.publishEnded(deviceId, sessionId, cause), settled: (deviceId) => live.settled(deviceId) },
    leases: new PullLeases({ leases: repos.deviceLeases, nodes: repos.nodes }, node.id, log, clock, timings),
  });
  if (roles.has('ingest')) {
    rtmpRefusals.start();
    leases.start();
    await ingest.start();
    cameras.start();
    gate.onRefresh((devices) => cameras.sync(devices));
    cameras.sync(await core.devices.list());
  }

  const rooms = new ViewingRooms(repos, audit, clock);
  const auditCheckpoints = new AuditCheckpointer(repos, core.store, config.retentionDays, (e) => log.error({ err: e }, 'audit checkpoint failed'), clock);
  const publish = (deviceId: string, credential: string) => publishUrl(config, deviceId, credential);
  const uploads = new Uploads(repos, audit, offline, config.uploads, diskReserve, log, clock);
  if (roles.has('api')) await uploads.start();
  const api = {
    repos,
    clock,
    cases: core.cases,
    caseCheck: core.caseCheck,
    caseView: core.caseView,
    caseManifests: core.caseManifests,
    exportRequests: core.exportRequests,
    recordingVerification: core.recordingVerification,
    jobRows: core.jobRows,
    accounts: core.accounts,
    gapNotes: new GapNotes(repos.cases, audit, clock),
    partyCopies: new PartyCopies(repos.party, repos.recordings, core.exportRequests, clock),
    presentation: new PartyPresentation(repos.party),
    redactions: new Redactions(repos.redactions, audit, clock),
    analytics: new ComplianceAnalytics(repos.analytics, repos.users, core.caseCheck, clock),
    partyRequests: new PartyRequests(repos, audit, clock),
    rooms,
    keeping: core.keeping,
    store: core.store,
    audit,
    users: core.users,
    devices: core.devices,
    auth: new AuthService(repos, core.users, audit, core.keys.key('jwt-hs256'), config.idleMinutes, clock),
    playback: new PlaybackService(
      repos,
      core.store,
      audit,
      rooms,
      new UrlSigner(core.keys.key('segment-url-hmac'), clock),
      core.keys.key('forensic-codeword'),
      config.playbackSessionMinutes,
      config.segmentSeconds,
      clock,
    ),
    publishUrl: publish,
    gate,
    deviceFailures: new AttemptLimiter(repos.attempts, 'device.address', 20, 5 * 60_000, clock),
    notice: (deviceId: string, at: Date, by: string) => live.notice(deviceId, at, by),
    health: new DeviceHealth(repos, audit, config.health, clock),
    uploads,
    retention: core.retention,
  };
  const refusals = new RefusalLimiter(audit, limits('http.refused', 'anonymous'), refusalReportFailed, metrics);
  const redisProbe = openRedisProbe(config.queue.redisUrl);
  // A node without ingest has no RTMP port to be ready with.
  const ingestListening = roles.has('ingest') ? () => ingest.listening : () => true;
  const ready = readiness({ health: core.repos.health, store: core.store, pingRedis: () => redisProbe.ping(), diskReserve, ingestListening });
  const face = { metrics, ready, refusals, responseCheck: config.responseCheck, trustedProxies: config.trustedProxies, onInternalError: (e: unknown) => log.error({ err: e }, 'request failed') };
  // Without the api role the port serves the node's probes alone (createProbeApp).
  const httpServer = http.createServer(roles.has('api') ? createHttpApp({ ...face, api }) : createProbeApp({ ...face, audit }));
  refusals.start();
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.httpPort, config.bind, () => resolve());
  });
  // Once listening, an 'error' is a failed accept (EMFILE when libuv's reserve descriptor is spent): the listener goes on.
  httpServer.on('error', (err) => log.error({ err }, 'http accept failed'));
  const workers = roles.has('worker') && config.queue.workers === 'in-process' ? await startWorkers(core, jobHandlers) : null;
  const duties: Duty[] = [
    { name: 'outbox relay', start: () => OutboxRelay.start(core.repos.jobs, core.queueSettings, log) },
    {
      name: 'room sweep',
      start: () => {
        const roomSweep = setInterval(() => void rooms.sweep().catch((e) => log.error({ err: e }, 'room expiry sweep failed')), ROOM_SWEEP_MS);
        return { stop: () => clearInterval(roomSweep) };
      },
    },
    {
      name: 'audit checkpoints',
      start: () => {
        auditCheckpoints.start(config.auditCheckpointSeconds);
        return auditCheckpoints;
      },
    },
  ];
  const orphans = new OrphanedRecordings(repos.recordings, sealer, log, clock, node.id, config.graceSeconds, timings);
  duties.push({ name: 'orphaned recordings', start: () => orphans.start() });
  const retentionEveryMs = config.retention.runEveryMs;
  if (retentionEveryMs !== null) {
    duties.push({ name: 'retention run', start: () => core.retention.start(retentionEveryMs, log) });
  }
  // A node that does not lead tries again every beat: a dead leader's duties move within one.
  const leadership = new Leadership(leaderLockFor(config.databaseUrl, 'liuhen.leader', `liuhen leader ${node.id}`), duties, log, timings.beatMs);
  await leadership.start();
  return {
    core,
    metrics,
    live,
    auditCheckpoints,
    node,
    leadership,
    get httpPort(): number {
      return (httpServer.address() as AddressInfo).port;
    },
    rtmpPort: config.rtmpPort,
    publishUrl: publish,
    stop: async () => {
      processLimits.stop();
      loopDelay.stop();
      diskReserve.stop();
      await ingest.stop();
      await cameras.stop();
      await leases.stop();
      await live.stop();
      await offline.stop();
      await uploads.stop();
      gate.stop();
      httpServer.closeAllConnections();
      await new Promise((r) => httpServer.close(r));
      refusals.stop();
      rtmpRefusals.stop();
      await redisProbe.close();
      await audit.flush();
      // After the flush: the last audit checkpoint holds the last event.
      await leadership.stop();
      await workers?.close();
      await node.stop();
      await core.close();
    },
  };
}
