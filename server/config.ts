import path from 'node:path';
import { z } from 'zod';
import { ConfigInvalid } from './errors.ts';
import type { CutterChoice } from './media/segmenter-args.ts';

const MIB = 1024 * 1024;
const port = z.coerce.number().int().min(1).max(65535);
const seconds = (min: number) => z.coerce.number().min(min);
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
/** A retention period in days (fractions allowed), or in seconds with an `s` suffix (`20s`: tests watch expiry happen); milliseconds. */
const period = z.union([
  z
    .string()
    .regex(/^\d+(\.\d+)?s$/)
    .transform((v) => parseFloat(v) * 1000)
    .refine((ms) => ms > 0, 'must be more than 0s'),
  z.coerce
    .number()
    .positive()
    .transform((days) => days * 86_400_000),
]);

/** Every LIUHEN_* variable, with the embedded defaults that make `liuhen up` work out of the box. */
const envSchema = z.object({
  LIUHEN_DATA_DIR: z.string().min(1).default('./data'),
  /** The server secret and the manifest signing key; every node of a cluster needs the same ones (`liuhen keys init`). */
  LIUHEN_KEYS_DIR: z.string().min(1).optional(),
  /** Where ffmpeg writes segments before they are sealed; a RAM disk keeps their writes out of the sealing fsyncs. */
  LIUHEN_SPOOL_DIR: z.string().min(1).optional(),
  LIUHEN_HTTP_PORT: port.default(8080),
  LIUHEN_RTMP_PORT: port.default(1935),
  /** Address the RTMP and HTTP listeners bind to; cameras in the field need a routable one. */
  LIUHEN_BIND: z.string().ip().default('0.0.0.0'),
  /** Host name printed in publish URLs; defaults to this machine's first LAN address. */
  LIUHEN_PUBLIC_HOST: z.string().min(1).optional(),
  LIUHEN_DATABASE_URL: z
    .string()
    .regex(/^(sqlite:|postgres(ql)?:\/\/)/, 'must start with sqlite: or postgres://')
    .optional(),
  /** PostgreSQL role that owns the tables and runs migrations; the server then logs in as LIUHEN_DATABASE_URL's role. */
  LIUHEN_DATABASE_OWNER_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres://')
    .optional(),
  LIUHEN_STORE: z.enum(['local', 's3']).default('local'),
  LIUHEN_S3_ENDPOINT: z.string().url().optional(),
  LIUHEN_S3_REGION: z.string().min(1).default('us-east-1'),
  LIUHEN_S3_BUCKET: z.string().min(3).optional(),
  LIUHEN_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  LIUHEN_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  LIUHEN_S3_FORCE_PATH_STYLE: bool.default('true'),
  /**
   * The archive period: what a case links is kept this long after the case is archived (30 years,
   * the usual term for enforcement files), and so are case manifests, keys and audit checkpoints.
   * Before retention by category every object was kept this long; the name stays for that.
   */
  LIUHEN_RETENTION_DAYS: period.default('10950'),
  /** Recordings no case links: at least six months (the public-security rule for body cameras). */
  LIUHEN_RETENTION_UNLINKED_DAYS: period.default('183'),
  /**
   * How often `liuhen up` runs retention (extend what cases keep, expire what is due); `off` on all
   * nodes but one of a cluster, or to run `liuhen retention run` from a timer instead.
   */
  LIUHEN_RETENTION_RUN_DAYS: z
    .literal('off')
    .transform(() => null)
    .or(period)
    .default('1'),
  LIUHEN_SEGMENT_SECONDS: seconds(0.5).default(2),
  /** A device publishing again within this window continues the same recording (with a gap). */
  LIUHEN_GRACE_SECONDS: seconds(0).default(30),
  LIUHEN_CHECKPOINT_SECONDS: seconds(0.5).default(10),
  /** A node silent this long is gone: its devices and cameras move to the others; it beats every 0.3 of it. */
  LIUHEN_NODE_LEASE_SECONDS: seconds(1).default(10),
  /** A graceful stop waits this long at most for the recordings to seal what is in flight; the rest stays in the spool for the next start. */
  LIUHEN_STOP_DRAIN_SECONDS: seconds(1).default(10),
  LIUHEN_FFMPEG: z.string().min(1).default('ffmpeg'),
  /**
   * What cuts an RTMP stream into segments: liuhen itself (H.264 with AAC or without audio; any
   * other stream still goes to ffmpeg), or an ffmpeg process per stream; a device's own setting
   * (devices.cutter) comes first. RTSP pulls always use ffmpeg.
   */
  LIUHEN_CUTTER: z.enum(['in-process', 'ffmpeg']).default('in-process'),
  /** How long a playback session lives; segment URL signatures live at most 10 min of it. */
  LIUHEN_PLAYBACK_SESSION_MINUTES: z.coerce
    .number()
    .positive()
    .max(24 * 60)
    .default(30),
  /** scrypt's cost for new password hashes, as log2 N; each hash keeps its own, so raising it leaves old passwords working. */
  LIUHEN_PASSWORD_COST: z.coerce.number().int().min(10).max(20).default(15),
  /** A signed-in session with no request for this long ends (GB/T 22239-2019: 登录连接超时自动退出). */
  LIUHEN_IDLE_MINUTES: z.coerce
    .number()
    .positive()
    .max(24 * 60)
    .default(30),
  /** How often the audit chain's head is written to the evidence store (when it moved). */
  LIUHEN_AUDIT_CHECKPOINT_SECONDS: seconds(0.5).default(30),
  /** Continuous (fixed camera) recordings end and a new one continues the chain after this long. */
  LIUHEN_ROLLOVER_SECONDS: seconds(1).default(3600),
  /** A device clock further than this from the server's is flagged (001 §13: correct date and time). */
  LIUHEN_CLOCK_DRIFT_SECONDS: seconds(0).default(2),
  LIUHEN_LOW_BATTERY_PCT: z.coerce.number().min(0).max(100).default(20),
  LIUHEN_LOW_STORAGE_MB: z.coerce.number().min(0).default(1024),
  /** Largest offline recording a device may upload. */
  LIUHEN_UPLOAD_MAX_MB: z.coerce.number().positive().default(8192),
  /** Where uploads are received before they are checked and sealed. */
  LIUHEN_UPLOAD_DIR: z.string().min(1).optional(),
  /** Redis for the job queues; liuhen records and seals without it, the jobs wait in the database. */
  LIUHEN_REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis://')
    .default('redis://127.0.0.1:6379'),
  /** Key prefix of the queues in Redis; by default one unique to this installation, so several can share one Redis. */
  LIUHEN_QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/)
    .optional(),
  /** `in-process`: `liuhen up` runs the workers itself; `off`: they run as `liuhen worker` elsewhere. */
  LIUHEN_WORKERS: z.enum(['in-process', 'off']).default('in-process'),
  LIUHEN_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  /** The font burned into party copies; must hold CJK glyphs. */
  LIUHEN_FONT_FILE: z.string().min(1).default('/usr/share/fonts/truetype/wqy/wqy-microhei.ttc'),
  /** Free space kept on the data, spool and upload volumes for recordings already open: below it new publishes and uploads are refused. */
  LIUHEN_DISK_RESERVE_MB: z.coerce.number().min(0).default(1024),
  /** An RTMP connection that has not finished its handshake and published within this long is closed. */
  LIUHEN_RTMP_HANDSHAKE_SECONDS: seconds(0.5).default(5),
  /** A publisher that sends nothing for this long is closed (its recording gets a gap, as any disconnect). */
  LIUHEN_RTMP_IDLE_SECONDS: seconds(1).default(15),
  /** Open RTMP connections from one address; a carrier NAT can put many bodycams behind one. */
  LIUHEN_RTMP_MAX_PER_ADDRESS: z.coerce.number().int().min(1).default(64),
  LIUHEN_RTMP_MAX_CONNECTIONS: z.coerce.number().int().min(1).default(4096),
  /** Refused requests without a valid identity, per address and minute, before 429. */
  LIUHEN_REFUSALS_PER_MINUTE: z.coerce.number().int().min(1).default(60),
  /**
   * Addresses (or CIDR ranges) of the load balancers in front of the HTTP port, comma-separated.
   * Only a request from one of them has its X-Forwarded-For believed; from anyone else the header
   * could be forged to dodge per-address limits or to blame another address in the audit log.
   */
  LIUHEN_TRUSTED_PROXIES: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((a) => a.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^[0-9a-fA-F.:]+(\/\d{1,3})?$/, 'an IP address or CIDR range'))),
  /** Unfinished upload bytes one device may hold at once. */
  LIUHEN_UPLOAD_QUOTA_MB: z.coerce.number().positive().default(16384),
  /** An upload left unfinished this long is removed (and audited). */
  LIUHEN_UPLOAD_EXPIRE_HOURS: z.coerce.number().positive().default(72),
  LIUHEN_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** an answer off its route's declared schema (server/http/api-contract.ts): `log` it, or `refuse` it with 500 (the tests) */
  LIUHEN_RESPONSE_CHECK: z.enum(['refuse', 'log', 'off']).default('log'),
});

export type Env = z.input<typeof envSchema>;

/** Retention by category (server/retention): the lock new objects get, and what a case keeps. */
export interface RetentionPeriods {
  /** a recording no case links: new objects are locked this long */
  unlinkedMs: number;
  /** what a case links, after the case is archived */
  caseMs: number;
  /** how often `liuhen up` runs retention; null: it does not */
  runEveryMs: number | null;
}

export interface Config {
  dataDir: string;
  keysDir: string;
  spoolDir: string;
  httpPort: number;
  rtmpPort: number;
  bind: string;
  publicHost?: string;
  databaseUrl: string;
  databaseOwnerUrl?: string;
  store:
    | { kind: 'local'; root: string }
    | {
        kind: 's3';
        endpoint?: string;
        region: string;
        bucket: string;
        accessKeyId: string;
        secretAccessKey: string;
        forcePathStyle: boolean;
      };
  /** the archive period in days (LIUHEN_RETENTION_DAYS), for what is kept that long from its writing */
  retentionDays: number;
  retention: RetentionPeriods;
  segmentSeconds: number;
  graceSeconds: number;
  checkpointSeconds: number;
  nodeLeaseSeconds: number;
  /** LIUHEN_STOP_DRAIN_SECONDS */
  stopDrainSeconds: number;
  ffmpegPath: string;
  cutter: CutterChoice;
  playbackSessionMinutes: number;
  idleMinutes: number;
  /** scrypt's log2 N for new password hashes (LIUHEN_PASSWORD_COST) */
  passwordCost: number;
  auditCheckpointSeconds: number;
  rolloverSeconds: number;
  health: { clockDriftMs: number; lowBatteryPct: number; lowStorageMb: number };
  uploads: { dir: string; maxBytes: number; quotaBytes: number; expireMs: number };
  /** bytes kept free on the data, spool and upload volumes */
  diskReserveBytes: number;
  rtmp: { handshakeMs: number; idleMs: number; maxPerAddress: number; maxConnections: number };
  refusalsPerMinute: number;
  /** load balancers whose X-Forwarded-For names the client (LIUHEN_TRUSTED_PROXIES) */
  trustedProxies: string[];
  /** undefined: derived from the installation (see server/queue) */
  queue: { redisUrl: string; prefix?: string; workers: 'in-process' | 'off'; concurrency: number };
  fontFile: string;
  logLevel: z.infer<typeof envSchema>['LIUHEN_LOG_LEVEL'];
  responseCheck: z.infer<typeof envSchema>['LIUHEN_RESPONSE_CHECK'];
}

/** Reads LIUHEN_* from `env`; a bad value stops start-up with a message naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const picked = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('LIUHEN_') && v !== ''));
  const parsed = envSchema.safeParse(picked);
  if (!parsed.success) {
    const shown = (key: string) => (/SECRET/.test(key) ? '(hidden)' : JSON.stringify(picked[key]));
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message} (got ${shown(String(i.path[0]))})`);
    throw new ConfigInvalid(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.LIUHEN_DATA_DIR);
  return {
    dataDir,
    keysDir: path.resolve(e.LIUHEN_KEYS_DIR ?? path.join(dataDir, 'keys')),
    spoolDir: path.resolve(e.LIUHEN_SPOOL_DIR ?? path.join(dataDir, 'spool')),
    httpPort: e.LIUHEN_HTTP_PORT,
    rtmpPort: e.LIUHEN_RTMP_PORT,
    bind: e.LIUHEN_BIND,
    publicHost: e.LIUHEN_PUBLIC_HOST,
    databaseUrl: e.LIUHEN_DATABASE_URL ?? `sqlite:${path.join(dataDir, 'liuhen.sqlite')}`,
    databaseOwnerUrl: e.LIUHEN_DATABASE_OWNER_URL,
    store: e.LIUHEN_STORE === 'local' ? { kind: 'local', root: path.join(dataDir, 'evidence') } : s3Settings(e),
    retentionDays: e.LIUHEN_RETENTION_DAYS / 86_400_000,
    retention: { unlinkedMs: e.LIUHEN_RETENTION_UNLINKED_DAYS, caseMs: e.LIUHEN_RETENTION_DAYS, runEveryMs: e.LIUHEN_RETENTION_RUN_DAYS },
    segmentSeconds: e.LIUHEN_SEGMENT_SECONDS,
    graceSeconds: e.LIUHEN_GRACE_SECONDS,
    checkpointSeconds: e.LIUHEN_CHECKPOINT_SECONDS,
    nodeLeaseSeconds: e.LIUHEN_NODE_LEASE_SECONDS,
    stopDrainSeconds: e.LIUHEN_STOP_DRAIN_SECONDS,
    ffmpegPath: e.LIUHEN_FFMPEG,
    cutter: e.LIUHEN_CUTTER,
    playbackSessionMinutes: e.LIUHEN_PLAYBACK_SESSION_MINUTES,
    idleMinutes: e.LIUHEN_IDLE_MINUTES,
    passwordCost: e.LIUHEN_PASSWORD_COST,
    auditCheckpointSeconds: e.LIUHEN_AUDIT_CHECKPOINT_SECONDS,
    rolloverSeconds: e.LIUHEN_ROLLOVER_SECONDS,
    health: { clockDriftMs: e.LIUHEN_CLOCK_DRIFT_SECONDS * 1000, lowBatteryPct: e.LIUHEN_LOW_BATTERY_PCT, lowStorageMb: e.LIUHEN_LOW_STORAGE_MB },
    uploads: {
      dir: path.resolve(e.LIUHEN_UPLOAD_DIR ?? path.join(dataDir, 'uploads')),
      maxBytes: Math.floor(e.LIUHEN_UPLOAD_MAX_MB * MIB),
      quotaBytes: Math.floor(e.LIUHEN_UPLOAD_QUOTA_MB * MIB),
      expireMs: e.LIUHEN_UPLOAD_EXPIRE_HOURS * 3_600_000,
    },
    diskReserveBytes: Math.floor(e.LIUHEN_DISK_RESERVE_MB * MIB),
    rtmp: {
      handshakeMs: e.LIUHEN_RTMP_HANDSHAKE_SECONDS * 1000,
      idleMs: e.LIUHEN_RTMP_IDLE_SECONDS * 1000,
      maxPerAddress: e.LIUHEN_RTMP_MAX_PER_ADDRESS,
      maxConnections: e.LIUHEN_RTMP_MAX_CONNECTIONS,
    },
    refusalsPerMinute: e.LIUHEN_REFUSALS_PER_MINUTE,
    trustedProxies: e.LIUHEN_TRUSTED_PROXIES,
    queue: { redisUrl: e.LIUHEN_REDIS_URL, prefix: e.LIUHEN_QUEUE_PREFIX, workers: e.LIUHEN_WORKERS, concurrency: e.LIUHEN_WORKER_CONCURRENCY },
    fontFile: e.LIUHEN_FONT_FILE,
    logLevel: e.LIUHEN_LOG_LEVEL,
    responseCheck: e.LIUHEN_RESPONSE_CHECK,
  };
}

function s3Settings(e: z.infer<typeof envSchema>): Config['store'] {
  const missing = (['LIUHEN_S3_BUCKET', 'LIUHEN_S3_ACCESS_KEY_ID', 'LIUHEN_S3_SECRET_ACCESS_KEY'] as const).filter((k) => !e[k]);
  if (missing.length > 0) throw new ConfigInvalid(`invalid configuration: LIUHEN_STORE=s3 needs ${missing.join(', ')}`);
  return {
    kind: 's3',
    endpoint: e.LIUHEN_S3_ENDPOINT,
    region: e.LIUHEN_S3_REGION,
    bucket: e.LIUHEN_S3_BUCKET!,
    accessKeyId: e.LIUHEN_S3_ACCESS_KEY_ID!,
    secretAccessKey: e.LIUHEN_S3_SECRET_ACCESS_KEY!,
    forcePathStyle: e.LIUHEN_S3_FORCE_PATH_STYLE,
  };
}
