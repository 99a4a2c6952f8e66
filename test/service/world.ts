/**
 * The service tier's world: a migrated SQLite `:memory:` database, the audit log, an in-memory
 * evidence store (memory-store.ts), the Sealer and a clock the test moves — no server, no
 * ffmpeg, no network. Rows are seeded through the services that own them, except where this
 * file says why not.
 */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { AuditLog } from '../../server/audit/audit-log.ts';
import { viewerOf, type Viewer } from '../../server/auth/user-registry.ts';
import { CaseService } from '../../server/cases/case-service.ts';
import { publicKeyFingerprint, type SigningKey } from '../../server/crypto/signing-key.ts';
import { type Db, openDatabase } from '../../server/db/database.ts';
import { type Repositories, repositoriesOf } from '../../server/db/repositories.ts';
import type { Confidentiality, Device, Role, User } from '../../server/db/schema.ts';
import { DeviceRegistry } from '../../server/devices/device-registry.ts';
import { LiuhenError, NotAllowed } from '../../server/errors.ts';
import type { Requester } from '../../server/exports/export-requests.ts';
import { newId } from '../../server/ids.ts';
import { Sealer } from '../../server/ledger/sealer.ts';
import { mayLabel, mayShare } from '../../server/policy/policy.ts';
import { RecordingKeeping } from '../../server/recordings/recording-keeping.ts';
import { MemoryStore } from './memory-store.ts';

export const T0 = new Date('2026-03-01T02:00:00.000Z');
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** A clock the test sets: every service of the world reads this one. */
export class Clock {
  private at: number;

  constructor(start: Date) {
    this.at = start.getTime();
  }

  readonly now = (): Date => new Date(this.at);

  advance(ms: number): void {
    this.at += ms;
  }
}

export interface World {
  db: Db;
  repos: Repositories;
  audit: AuditLog;
  store: MemoryStore;
  clock: Clock;
  signingKey: SigningKey;
  sealer: Sealer;
  devices: DeviceRegistry;
  close(): Promise<void>;
}

export const RETENTION_DAYS = 365;

export async function openWorld(start = T0): Promise<World> {
  const db = await openDatabase('sqlite::memory:');
  const repos = repositoriesOf(db);
  const clock = new Clock(start);
  const audit = new AuditLog(repos, clock);
  const store = new MemoryStore(clock.now);
  const signingKey = memorySigningKey();
  return {
    db,
    repos,
    audit,
    store,
    clock,
    signingKey,
    sealer: new Sealer({ repos, store, signingKey, retentionDays: RETENTION_DAYS, clock }),
    devices: new DeviceRegistry(repos, audit, randomBytes(32)),
    close: async () => {
      await audit.flush();
      await db.destroy();
    },
  };
}

function memorySigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), fingerprint: publicKeyFingerprint(publicKey), sign: (data) => sign(null, data, privateKey) };
}

let seq = 0;
export const unique = (prefix: string): string => `${prefix}${++seq}`;

/**
 * A signed-in account. Written here rather than by UserRegistry.add, which hashes a password with
 * scrypt (32 MiB, tens of milliseconds a row): the hash is one no password matches, and the
 * session row is what playback asks for (a viewer still signed in).
 */
export async function signedIn(w: World, role: Role, opts: { unit?: string; clearances?: Confidentiality[]; badge?: string } = {}): Promise<Viewer> {
  const at = w.clock.now().toISOString();
  const user: User = {
    id: newId('usr'),
    badge: opts.badge ?? unique(role.slice(0, 3).toUpperCase()),
    name: role,
    role,
    unit: opts.unit ?? 'u1',
    clearances: JSON.stringify(opts.clearances ?? []),
    password_hash: 'none',
    failed_attempts: 0,
    locked_until: null,
    state: 'active',
    created_at: at,
    must_change_password: 0,
    last_sign_in_at: at,
  };
  await w.db.insertInto('users').values(user).execute();
  await w.db
    .insertInto('auth_sessions')
    .values({
      id: newId('as'),
      user_id: user.id,
      refresh_hash: randomBytes(16).toString('hex'),
      created_at: at,
      refresh_expires_at: new Date(w.clock.now().getTime() + 30 * DAY).toISOString(),
      revoked_at: null,
      last_active_at: at,
    })
    .execute();
  return viewerOf(user);
}

export const by = (v: Viewer): Requester => ({ actor: `user:${v.id}`, address: null, userAgent: null });

export async function bodycam(w: World, unit = 'u1', officerBadge = unique('F')): Promise<Device> {
  return (await w.devices.add({ kind: 'bodycam', officerBadge, unit }, 'test')).device;
}

/**
 * A closed recording sealed by the Sealer into the memory store: `segments` segments of a few
 * bytes each (nothing here decodes them), with a gap after the first when `gap` is set.
 */
export async function sealed(w: World, device: Device, startedAt: Date, opts: { segments?: number; gap?: boolean } = {}): Promise<string> {
  const rec = await w.sealer.openRecording(device, startedAt);
  let at = startedAt.getTime();
  for (let i = 1; i <= (opts.segments ?? 1); i++) {
    await w.sealer.sealSegment(rec.id, { bytes: Buffer.from(`${rec.id} segment ${i}`), startAt: new Date(at), durationMs: 2000, source: `test/${rec.id}/${i}.ts` });
    at += 2000;
    if (i === 1 && opts.gap) {
      await w.sealer.appendGap(rec.id, 'network', new Date(at), new Date(at + 2000));
      at += 2000;
    }
  }
  return (await w.sealer.close(rec.id)).id;
}

/** The A/B marked variants of every segment, as the workers would record them: what a replay and a room serve. */
export async function marked(w: World, recordingId: string): Promise<void> {
  const segments = await w.db.selectFrom('ledger_entries').select(['idx', 'sha256']).where('recording_id', '=', recordingId).where('kind', '=', 'segment').execute();
  const at = w.clock.now().toISOString();
  for (const s of segments) {
    for (const kind of ['mark_a', 'mark_b'] as const) {
      await w.db
        .insertInto('derivatives')
        .values({
          recording_id: recordingId,
          idx: s.idx,
          kind,
          object_key: `recordings/${recordingId}/${s.idx}.${kind}.ts`,
          sha256: s.sha256!,
          size: 1,
          source_sha256: s.sha256!,
          duration_ms: 2000,
          job_id: 'seeded',
          created_at: at,
        })
        .execute();
    }
  }
}

export function casesOf(w: World): CaseService {
  return new CaseService({ repos: w.repos, audit: w.audit, store: w.store, signingKey: w.signingKey, retentionDays: RETENTION_DAYS, clock: w.clock });
}

/** A custodian's label on a recording, set through RecordingKeeping under the custodian's own rule. */
export async function label(w: World, custodian: Viewer, recordingId: string, to: Confidentiality | null): Promise<void> {
  const keeper = { actor: `user:${custodian.id}`, mayShare: mayShare.bind(null, custodian), mayLabel: mayLabel.bind(null, custodian) };
  await new RecordingKeeping(w.repos, w.audit, w.clock).label(keeper, recordingId, to);
}

/** null when `act` went through; otherwise the refusal's reason (NotAllowed) or code. */
export async function refusalOf(act: Promise<unknown>): Promise<string | null> {
  try {
    await act;
    return null;
  } catch (e) {
    if (e instanceof NotAllowed) return e.reason;
    if (e instanceof LiuhenError) return e.code;
    throw e;
  }
}
