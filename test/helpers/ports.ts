import fs from 'node:fs';
import net from 'node:net';

/**
 * The first port of the kernel's ephemeral range, which it hands to outgoing connections. A port
 * the kernel picked for a listener is from that range too, so between the check and the server's
 * own listen an outgoing connection (to PostgreSQL, Redis, the store) could take it: EADDRINUSE
 * in a full run. Tests take their ports below it.
 */
const EPHEMERAL_FROM = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
const LOWEST = 10_000;

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A port that was free a moment ago, outside the range outgoing connections are given. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = LOWEST + Math.floor(Math.random() * (EPHEMERAL_FROM - LOWEST));
    if (await bindable(port)) return port;
  }
}
