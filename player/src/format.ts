/** Every instant is shown in Beijing time, whatever the workstation's own time zone. */
const SHANGHAI = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

export const DASH = '—';

/** `YYYY-MM-DD HH:mm:ss` in Asia/Shanghai. */
export function formatDateTime(value: string | Date | null): string {
  if (value === null) return DASH;
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) return DASH;
  const p: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  for (const part of SHANGHAI.formatToParts(date)) p[part.type] = part.value;
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/** `H:MM:SS`. */
export function formatDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  return `${hours}:${String(minutes).padStart(2, '0')}:${String(seconds).padStart(2, '0')}`;
}

/**
 * A `datetime-local` value read as Beijing time. China has had no daylight saving since 1991,
 * so the offset is always +08:00.
 */
export function shanghaiLocalToIso(local: string): string {
  const withSeconds = local.length === 16 ? `${local}:00` : local;
  return new Date(`${withSeconds}+08:00`).toISOString();
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** The largest binary unit in which `bytes` is at least 1 (B for 0), and its size. */
export function byteUnitOf(bytes: number): { unit: (typeof BYTE_UNITS)[number]; size: number } {
  let i = 0;
  while (i < BYTE_UNITS.length - 1 && Math.abs(bytes) >= 1024 ** (i + 1)) i += 1;
  return { unit: BYTE_UNITS[i]!, size: 1024 ** i };
}

/** `1.5 GiB`: one decimal beyond bytes. */
export function formatBytes(bytes: number): string {
  const { unit, size } = byteUnitOf(bytes);
  return size === 1 ? `${bytes} B` : `${(bytes / size).toFixed(1)} ${unit}`;
}
