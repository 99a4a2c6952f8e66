import type { Config } from '../config.ts';
import { openCore } from '../core.ts';
import { OutboxRelay } from '../queue/outbox-relay.ts';
import { startWorkers } from '../../workers/run-workers.ts';
import { EXIT } from './exit-codes.ts';

/**
 * A worker node: runs jobs until SIGINT/SIGTERM, then finishes the jobs in hand. It relays the
 * outbox too, so jobs move even while no server node is up.
 */
export async function worker(config: Config): Promise<number> {
  const core = await openCore(config);
  const queue = await core.queueSettings.current();
  const relay = await OutboxRelay.start(core.repos.jobs, core.queueSettings, core.log);
  const workers = await startWorkers(core);
  process.stdout.write(`liuhen worker is running (queue prefix ${queue.prefix}, concurrency ${queue.concurrency})\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await workers.close();
  await relay.stop();
  await core.close();
  return EXIT.ok;
}
