/**
 * Unfinished uploads do not hold the disk forever. One that has received nothing for
 * config.uploads.expireMs (its row's updated_at moves with every byte counted) is removed, row
 * and part file, and audited as `upload.expired` by `system`: a device that comes back to it is
 * told 404 and starts again. At start-up, part files no upload needs are removed too.
 *
 * A sweep never removes an upload a request holds (@tus/server's lock): a write's bytes in flight
 * are not counted in the row yet. It takes the lock itself while removing one.
 */
import fs from 'node:fs/promises';
import type { MemoryLocker } from '@tus/server';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Config } from '../config.ts';
import type { Repositories } from '../db/repositories.ts';
import type { UploadRepository } from '../db/upload-repository.ts';
import { partIds, partPath } from './part-file.ts';
import { storedMetadata } from './upload-metadata.ts';
import { type Clock, systemClock } from '../clock.ts';

/**
 * Often enough that an upload outlives its expiry by at most half of it, and at least once a
 * minute; a sweep is a query, so not more than twice a second whatever the expiry.
 */
export const sweepIntervalMs = (expireMs: number): number => Math.max(500, Math.min(60_000, expireMs / 2));

export class UploadExpiry {
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;
  private stopped = false;
  private readonly uploads: UploadRepository;

  constructor(
    repos: Repositories,
    private readonly audit: AuditLog,
    private readonly locker: MemoryLocker,
    private readonly settings: Config['uploads'],
    private readonly log: Logger,
    private readonly clock: Clock = systemClock,
  ) {
    this.uploads = repos.uploads;
  }

  /** Removes orphaned part files, then sweeps now and then; errors are logged, never thrown. */
  async start(): Promise<void> {
    await this.removeOrphanParts().catch((err) => this.log.error({ err }, 'removing orphaned upload part files failed'));
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.sweeping;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.sweeping = this.sweep()
        .catch((err) => this.log.error({ err }, 'upload expiry sweep failed; trying again at the next'))
        .finally(() => this.schedule());
    }, sweepIntervalMs(this.settings.expireMs));
    this.timer.unref();
  }

  /** Removes every unfinished upload idle for longer than config.uploads.expireMs. */
  async sweep(): Promise<void> {
    const cutoff = new Date(this.clock.now().getTime() - this.settings.expireMs).toISOString();
    for (const id of await this.uploads.idleSince(cutoff)) {
      // Asking a holder for the lock would cut its PATCH short: an upload in use is left alone.
      if (this.locker.locks.has(id)) continue;
      // Free, it is taken at once (the check and the taking are in one turn of the event loop).
      // Held while it goes: a request arriving meanwhile waits, then finds no upload.
      const lock = this.locker.newLock(id);
      await lock.lock(new AbortController().signal, () => undefined);
      try {
        await this.expire(id, cutoff);
      } catch (err) {
        this.log.error({ err, upload: id }, 'removing an expired upload failed; trying again at the next sweep');
      } finally {
        await lock.unlock();
      }
    }
  }

  private async expire(id: string, cutoff: string): Promise<void> {
    const upload = await this.uploads.find(id);
    if (upload?.state !== 'receiving' || upload.updated_at >= cutoff) return;
    // The row goes first: a crash before the file is removed leaves an orphan, removed at the next start.
    if (!(await this.uploads.expire(id, upload.updated_at))) return;
    await this.audit.record({
      actor: 'system',
      action: 'upload.expired',
      subject: id,
      outcome: 'ok',
      detail: {
        device: upload.device_id,
        offset: upload.offset,
        length: upload.length,
        lastActivity: upload.updated_at,
        expireMs: this.settings.expireMs,
        filename: storedMetadata(upload.metadata).filename ?? null,
      },
    });
    await fs.rm(partPath(this.settings.dir, id), { force: true });
    this.log.info({ upload: id, device: upload.device_id, offset: upload.offset, length: upload.length, lastActivity: upload.updated_at }, 'unfinished upload expired');
  }

  /**
   * Part files no upload needs: a refused, sealed, expired or terminated upload's that a crash left
   * behind (its row changed first). Run before uploads are accepted.
   */
  async removeOrphanParts(): Promise<void> {
    const needed = new Set(await this.uploads.unfinished());
    for (const id of await partIds(this.settings.dir)) {
      if (needed.has(id)) continue;
      const file = partPath(this.settings.dir, id);
      try {
        const { size } = await fs.stat(file);
        await fs.rm(file, { force: true });
        await this.audit.record({ actor: 'system', action: 'upload.part_removed', subject: id, outcome: 'ok', detail: { bytes: size } });
        this.log.info({ upload: id, bytes: size }, 'removed a part file no upload needs');
      } catch (err) {
        this.log.error({ err, file }, 'removing an orphaned upload part file failed');
      }
    }
  }
}
