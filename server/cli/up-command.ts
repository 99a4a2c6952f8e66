import type { Config } from '../config.ts';
import { startServer } from '../liuhen.ts';
import { publicHost } from '../ingest/publish-url.ts';
import { guardProcess } from '../process-guard.ts';
import { EXIT } from './exit-codes.ts';

/** Runs until SIGINT/SIGTERM; open recordings stay open and continue after the next start. */
export async function up(config: Config): Promise<number> {
  const server = await startServer(config);
  guardProcess(server.core.log, () => server.metrics.escapedErrors.inc());
  const host = publicHost(config);
  process.stdout.write(
    `liuhen is up (store: ${server.core.store.kind}, data: ${config.dataDir})\n` +
      `  cameras publish to: rtmp://${host}:${server.rtmpPort}/live/<deviceId>?key=<credential>  (liuhen device add --kind bodycam --officer <badgeNo>)\n` +
      `  people watch at:    http://${host}:${server.httpPort}/\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.stop();
  return EXIT.ok;
}
