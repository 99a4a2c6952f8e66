/**
 * A POSIX ustar archive writer (IEEE 1003.1-1988 header, 512-byte blocks): the evidence package is
 * unpacked by any `tar` a court has, and a dependency for forty lines is not worth its audit.
 * Pure: the same files and time give the same bytes, so a retried package job writes what the
 * first run wrote.
 */
const BLOCK = 512;
/** tar's default record: 20 blocks; the archive ends on a whole record as POSIX asks */
const RECORD = 20 * BLOCK;

export interface TarFile {
  /** a relative path, '/'-separated, at most 100 bytes; a directory ends with '/' */
  name: string;
  /** absent for a directory */
  bytes?: Buffer;
}

export function ustar(files: TarFile[], mtime: Date): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    parts.push(header(f, mtime));
    if (f.bytes) {
      parts.push(f.bytes);
      const pad = (BLOCK - (f.bytes.length % BLOCK)) % BLOCK;
      if (pad) parts.push(Buffer.alloc(pad));
    }
  }
  const length = parts.reduce((n, p) => n + p.length, 0) + 2 * BLOCK;
  parts.push(Buffer.alloc(2 * BLOCK + ((RECORD - (length % RECORD)) % RECORD)));
  return Buffer.concat(parts);
}

function header(f: TarFile, mtime: Date): Buffer {
  const name = Buffer.from(f.name);
  if (name.length > 100 || f.name.startsWith('/') || f.name.split('/').includes('..')) throw new Error(`not a ustar member name: ${f.name}`);
  const dir = f.bytes === undefined;
  const h = Buffer.alloc(BLOCK);
  name.copy(h, 0);
  octal(h, 100, 8, dir ? 0o755 : 0o644);
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  octal(h, 124, 12, f.bytes?.length ?? 0);
  octal(h, 136, 12, Math.floor(mtime.getTime() / 1000));
  h.write(dir ? '5' : '0', 156, 'latin1');
  h.write('ustar\u000000', 257, 'latin1');
  h.write('liuhen', 265, 'latin1');
  h.write('liuhen', 297, 'latin1');
  // The checksum is summed with its own field read as eight spaces.
  h.fill(0x20, 148, 156);
  const sum = h.reduce((n, b) => n + b, 0);
  h.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 'latin1');
  return h;
}

/** Zero-padded octal, NUL-terminated, filling the field. */
function octal(h: Buffer, offset: number, width: number, value: number): void {
  const digits = value.toString(8);
  if (digits.length > width - 1) throw new Error(`value ${value} does not fit a ${width}-byte ustar field`);
  h.write(digits.padStart(width - 1, '0') + '\u0000', offset, 'latin1');
}
