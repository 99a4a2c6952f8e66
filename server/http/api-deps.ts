import type { AuditLog } from '../audit/audit-log.ts';
import type { AuthService } from '../auth/auth-service.ts';
import type { UserRegistry } from '../auth/user-registry.ts';
import type { Db } from '../db/database.ts';
import type { DeviceRegistry } from '../devices/device-registry.ts';
import type { PlaybackService } from '../playback/playback-service.ts';
import type { EvidenceStore } from '../storage/evidence-store.ts';

/** What the HTTP routes are given: interfaces, never SDKs. */
export interface ApiDeps {
  db: Db;
  store: EvidenceStore;
  audit: AuditLog;
  auth: AuthService;
  users: UserRegistry;
  devices: DeviceRegistry;
  playback: PlaybackService;
  publishUrl(deviceId: string, credential: string): string;
}
