import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ALL_ROLES, rolesSchema } from '../cluster/roles.ts';
import type { Config } from '../config.ts';
import { startServer } from '../liuhen.ts';
import { publicHost } from '../ingest/publish-url.ts';
import { guardProcess } from '../process-guard.ts';
import { tuneHeapForStreaming } from '../heap-tuning.ts';
import { EXIT } from './exit-codes.ts';

const flagsSchema = z.object({ roles: rolesSchema.default([...ALL_ROLES].join(',')) }).strict();

/** Runs until SIGINT/SIGTERM; open recordings stay open and continue after the next start. */
export async function up(config: Config, args: string[] = []): Promise<number> {
  const { roles } = flagsSchema.parse(parseArgs({ args, options: { roles: { type: 'string' } } }).values);
  tuneHeapForStreaming();
  const server = await startServer(config, undefined, { roles });
  guardProcess(server.core.log, () => server.metrics.escapedErrors.inc());
  const host = publicHost(config);
  process.stdout.write(
    `liuhen is up (roles: ${[...roles].join(',')}, store: ${server.core.store.kind}, data: ${config.dataDir})\n` +
      (roles.has('ingest') ? `  cameras publish to: rtmp://${host}:${server.rtmpPort}/live/<deviceId>?key=<credential>  (liuhen device add --kind bodycam --officer <badgeNo>)\n` : '') +
      (roles.has('api') ? `  people watch at:    http://${host}:${server.httpPort}/\n` : `  probes:             http://${host}:${server.httpPort}/readyz and /metrics (no api role: nothing else)\n`),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.stop();
  return EXIT.ok;
}
