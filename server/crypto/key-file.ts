import fs from 'node:fs';
import path from 'node:path';

/**
 * Writes a key file readable by its owner only, unless one is there already (wx): two nodes
 * starting at once must not each write a key. Returns whether this call wrote it.
 */
export function writeKeyFileOnce(file: string, bytes: Buffer | string): boolean {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    fs.writeFileSync(file, bytes, { mode: 0o400, flag: 'wx' });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}
