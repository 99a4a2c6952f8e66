/**
 * The floor under any ingest built on node-media-server: the pinned library receiving RTMP and
 * parsing it into packets, which it then drops — no FLV tags, no GOP cache, no tap, nothing
 * stored. liuhen needs at least this work and more; nothing built on the library can spend less.
 * Spawned by nms-floor-target.ts: `node --import tsx nms-floor.ts <port> <folder>`.
 */
import { NodeMediaServer, nmsContext, quietNmsLogger } from '../../server/ingest/node-media-server.ts';

const [port, folder] = process.argv.slice(2);
const nms = new NodeMediaServer({
  bind: '127.0.0.1',
  rtmp: { port: Number(port) },
  webadmin: { enable: false },
  store: { path: `${folder}/nms.json`, maxHistory: 0 },
  auth: { publish: false, play: false, secret: '' },
});
quietNmsLogger();
nms.store.options.signals = false;
nms.on('prePublish', (session) => {
  const broadcast = nmsContext.broadcasts.get(session.streamPath);
  if (broadcast) broadcast.broadcastMessage = () => undefined;
});
await nms.run();
console.log('floor is up');
