import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Writes a key file readable by its owner only, unless one is there already: two nodes starting
 * at once must not each write a key. Returns whether this call wrote it.
 *
 * The key is written whole under a temporary name, made durable, and then linked to its name, which
 * fails if the name is taken. Creating the name first and writing into it (`wx`) let the other node
 * read the file between the two and fail to start on a key it found empty or cut short (OpenSSL's
 * "DECODER routines::unsupported", seen when a test started two nodes on one keys folder).
 */
export function writeKeyFileOnce(file: string, bytes: Buffer | string): boolean {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const staged = path.join(dir, `.${path.basename(file)}.${randomUUID()}.tmp`);
  const fd = fs.openSync(staged, 'wx', 0o400);
  try {
    fs.writeFileSync(fd, bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.linkSync(staged, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    fs.rmSync(staged, { force: true });
  }
  // the new name itself survives a power cut
  const dirFd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(dirFd);
  } finally {
    fs.closeSync(dirFd);
  }
  return true;
}
