import fs from 'node:fs';
import net from 'node:net';

/**
 * Where test ports come from. A port found free is free only until someone binds it, and two
 * test files running at once would each find the same one free now and then: EADDRINUSE in a full
 * run (twice, at ports the kernel had picked and at random ones). So each vitest worker
 * (VITEST_POOL_ID; files of one worker run one after another) draws from a range of its own, this
 * process never hands the same port out twice, and the ranges sit below the kernel's ephemeral
 * range, which it gives to outgoing connections (to PostgreSQL, Redis, the store).
 */
const EPHEMERAL_FROM = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
const LOWEST = 10_000;
const RANGES = 8;
const SPAN = Math.floor((EPHEMERAL_FROM - LOWEST) / RANGES);
/** 0 outside vitest (benchmarks) */
const OWN_FROM = LOWEST + (Number(process.env.VITEST_POOL_ID ?? 0) % RANGES) * SPAN;
const given = new Set<number>();

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A port free a moment ago, that no other test file running now is given. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = OWN_FROM + Math.floor(Math.random() * SPAN);
    if (given.has(port) || !(await bindable(port))) continue;
    given.add(port);
    return port;
  }
}
