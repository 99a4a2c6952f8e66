import { Repository } from './repository.ts';
import type { Recording, Upload } from './schema.ts';

/** Offline recordings arriving by resumable upload: one row each, until sealed, refused, expired or terminated. */
export class UploadRepository extends Repository {
  async find(id: string): Promise<Upload | undefined> {
    return this.db.selectFrom('uploads').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The upload if `deviceId` made it: no device sees another's. */
  async findOf(deviceId: string, id: string): Promise<Upload | undefined> {
    return this.db.selectFrom('uploads').selectAll().where('id', '=', id).where('device_id', '=', deviceId).executeTakeFirst();
  }

  async add(upload: Upload): Promise<void> {
    await this.db.insertInto('uploads').values(upload).execute();
  }

  /** Declared bytes of the device's uploads still arriving: what they will hold on disk. */
  async unfinishedBytes(deviceId: string): Promise<number> {
    const { total } = await this.db
      .selectFrom('uploads')
      .select((eb) => eb.fn.sum<number | string | null>('length').as('total'))
      .where('device_id', '=', deviceId)
      .where('state', '=', 'receiving')
      .executeTakeFirstOrThrow();
    // PostgreSQL sums bigints as numeric, which arrives as a string.
    return Number(total ?? 0);
  }

  /** Counts bytes `from`–`to` in, unless the upload moved meanwhile; false when it did. */
  async received(id: string, from: number, to: number, state: 'receiving' | 'processing', at: string): Promise<boolean> {
    const updated = await this.db.updateTable('uploads').set({ offset: to, state, updated_at: at }).where('id', '=', id).where('offset', '=', from).where('state', '=', 'receiving').executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1;
  }

  /** Removes an upload still receiving; false when it was not. */
  async terminate(id: string): Promise<boolean> {
    const removed = await this.db.deleteFrom('uploads').where('id', '=', id).where('state', '=', 'receiving').executeTakeFirst();
    return Number(removed.numDeletedRows) === 1;
  }

  /** Uploads with every byte in but not sealed yet, the longest waiting first. */
  async processing(): Promise<string[]> {
    return (await this.db.selectFrom('uploads').select('id').where('state', '=', 'processing').orderBy('updated_at').execute()).map((u) => u.id);
  }

  /** Uploads still receiving that received nothing since `cutoff`. */
  async idleSince(cutoff: string): Promise<string[]> {
    return (await this.db.selectFrom('uploads').select('id').where('state', '=', 'receiving').where('updated_at', '<', cutoff).execute()).map((u) => u.id);
  }

  /** Removes an idle upload unless a byte arrived since `updatedAt`; false when one did. */
  async expire(id: string, updatedAt: string): Promise<boolean> {
    const removed = await this.db.deleteFrom('uploads').where('id', '=', id).where('state', '=', 'receiving').where('updated_at', '=', updatedAt).executeTakeFirst();
    return Number(removed.numDeletedRows) === 1;
  }

  /** Uploads whose part file is still needed: receiving or processing. */
  async unfinished(): Promise<string[]> {
    return (await this.db.selectFrom('uploads').select('id').where('state', 'in', ['receiving', 'processing']).execute()).map((u) => u.id);
  }

  async sealed(id: string, recordingId: string, at: string): Promise<void> {
    await this.db.updateTable('uploads').set({ state: 'sealed', recording_id: recordingId, updated_at: at }).where('id', '=', id).execute();
  }

  async refused(id: string, reason: string, at: string): Promise<void> {
    await this.db.updateTable('uploads').set({ state: 'refused', error: reason, updated_at: at }).where('id', '=', id).execute();
  }

  /** The recording an earlier, interrupted run opened for the upload: same device, same arrival, same start. */
  async recordingOpenedFor(upload: Upload, deviceStartedAt: string): Promise<Recording | undefined> {
    return this.db
      .selectFrom('recordings')
      .selectAll()
      .where('device_id', '=', upload.device_id)
      .where('origin', '=', 'upload')
      .where('received_at', '=', upload.updated_at)
      .where('device_started_at', '=', deviceStartedAt)
      .executeTakeFirst();
  }
}
