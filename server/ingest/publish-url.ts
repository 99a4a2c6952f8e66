import os from 'node:os';
import type { Config } from '../config.ts';

export const RTMP_APP = 'live';

/** Where a device publishes: rtmp://<host>:<port>/live/<deviceId>?key=<credential>. */
export function publishUrl(config: Pick<Config, 'publicHost' | 'rtmpPort'>, deviceId: string, credential: string): string {
  return `rtmp://${publicHost(config)}:${config.rtmpPort}/${RTMP_APP}/${deviceId}?key=${encodeURIComponent(credential)}`;
}

/** The configured host, else this machine's first LAN address, so a camera on the network can reach it. */
export function publicHost(config: Pick<Config, 'publicHost'>): string {
  if (config.publicHost) return config.publicHost;
  for (const addrs of Object.values(os.networkInterfaces())) {
    const v4 = addrs?.find((a) => a.family === 'IPv4' && !a.internal);
    if (v4) return v4.address;
  }
  return '127.0.0.1';
}
