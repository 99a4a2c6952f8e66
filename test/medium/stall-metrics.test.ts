/**
 * The two figures that show sealing stalls are on /metrics and follow what happens: how late the
 * event loop runs, and how far sealed evidence trails the camera.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/liuhen.ts';
import { publish } from '../helpers/publisher.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

function value(metrics: string, line: string): number | undefined {
  const m = new RegExp(`^${line.replace(/[{}"./]/g, '\\$&')} (\\S+)$`, 'm').exec(metrics);
  return m ? Number(m[1]) : undefined;
}

describe('stall metrics', () => {
  let server: RunningServer | undefined;
  afterAll(async () => server?.stop());

  it('publishes the event-loop delay, which a blocked loop raises, and the seal lag of a camera', async () => {
    server = await startTestServer(await testEnv());
    const scrape = async () => (await fetch(`http://127.0.0.1:${server!.httpPort}/metrics`)).text();

    const quiet = await scrape();
    for (const q of ['0.5', '0.99', '1']) expect(value(quiet, `liuhen_event_loop_delay_seconds{quantile="${q}"}`), q).toBeGreaterThanOrEqual(0);

    // The server runs in this process: blocking here blocks its loop.
    const until = performance.now() + 300;
    while (performance.now() < until);
    await new Promise((r) => setTimeout(r, 50));
    expect(value(await scrape(), 'liuhen_event_loop_delay_seconds{quantile="1"}')).toBeGreaterThanOrEqual(0.25);

    const { device, credential } = await server.core.devices.add({ kind: 'bodycam', officerBadge: 'M1' }, 'test');
    const camera = publish(server.publishUrl(device.id, credential), 8);
    try {
      const sealed = await waitFor('two segments sealed', async () => {
        const m = await scrape();
        return (value(m, 'liuhen_seal_lag_seconds_count') ?? 0) >= 2 ? m : undefined;
      });
      expect(value(sealed, 'liuhen_seal_lag_seconds{quantile="0.99"}')).toBeGreaterThan(0);
    } finally {
      camera.stop();
    }
  });
});
