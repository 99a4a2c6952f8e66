/**
 * Where @tus/server keeps liuhen's uploads: the bytes in a part file (part-file.ts), the upload's
 * record in its `uploads` row (uploads.ts). Not @tus/file-store: it acknowledges bytes it never
 * fsynced, keeps the bytes before an overrun, reads the offset from the file's size (gone once an
 * upload is sealed, when its HEAD must still say it is whole) and keeps a JSON file per upload
 * beside the row liuhen already has.
 *
 * The server's lock (one request per upload at a time) is held around every call here.
 */
import fs from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { DataStore, ERRORS, Upload } from '@tus/server';
import type { Upload as UploadRow } from '../db/schema.ts';
import { createPart, partPath, writePart } from './part-file.ts';

/** What the store needs of the uploads' rows. */
export interface UploadRecords {
  row(id: string): Promise<UploadRow | undefined>;
  /** bytes [from, to) are durable: the row's offset moves, and the upload goes to be checked when whole */
  received(id: string, from: number, to: number): Promise<void>;
  /** removes the row of an upload still receiving; throws if it is not */
  terminate(id: string): Promise<void>;
}

/** Only what the library implements and liuhen's rules allow: no deferred length (the quota needs it), no concatenation. */
const EXTENSIONS = ['creation', 'termination'];

/** The server's StreamLimiter fails a body where it passes the upload's room, with a 413 (its class is not exported). */
const passedRoom = (e: unknown) => (e as { status_code?: unknown } | null)?.status_code === ERRORS.ERR_MAX_SIZE_EXCEEDED.status_code;

export class UploadStore extends DataStore {
  constructor(
    private readonly dir: string,
    private readonly records: UploadRecords,
  ) {
    super();
    this.extensions = EXTENSIONS;
  }

  /** The row was made by the creation hook, after liuhen's checks; this makes its (empty, durable) part file. */
  override async create(upload: Upload): Promise<Upload> {
    await createPart(this.dir, upload.id);
    return upload;
  }

  override async getUpload(id: string): Promise<Upload> {
    const row = await this.records.row(id);
    if (!row) throw ERRORS.FILE_NOT_FOUND;
    return new Upload({ id, size: row.length, offset: row.offset, creation_date: row.created_at });
  }

  override async write(body: Readable, id: string, offset: number): Promise<number> {
    const { written, overrun } = await writePart(partPath(this.dir, id), offset, body, passedRoom);
    if (overrun) throw ERRORS.ERR_SIZE_EXCEEDED;
    if (written > 0) await this.records.received(id, offset, offset + written);
    return offset + written;
  }

  /** Termination: the row goes first (only while receiving), so nothing sealed or being checked loses its bytes. */
  override async remove(id: string): Promise<void> {
    await this.records.terminate(id);
    await fs.rm(partPath(this.dir, id), { force: true });
  }
}
