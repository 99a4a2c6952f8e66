/**
 * A real RTSP camera for tests: test/fixtures/rtsp-camera.py (GStreamer's RTSP server, H.264 or
 * H.265 with a keyframe every second + AAC, on 127.0.0.1) as a child process. Needs Debian's python3-gi,
 * gir1.2-gst-rtsp-server-1.0 and the GStreamer plugins (infra/dev/test.sh installs them); runs
 * with /usr/bin/python3 because a pyenv python has no `gi`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.ts';

export interface RtspCamera {
  /** rtsp://127.0.0.1:port/cam, without credentials */
  url: string;
  /** the url with user:password@ when the camera was started with credentials */
  urlWithCredentials(): string;
  port: number;
  /** SIGTERM, then wait for the process to exit */
  stop(): Promise<void>;
  /** start again on the same port (stops first if still running) */
  restart(): Promise<void>;
}

export interface RtspCameraOptions {
  port?: number;
  user?: string;
  password?: string;
  /** mount path, default /cam */
  path?: string;
  /** the video codec it sends, default h264; h265 as many hall cameras do */
  codec?: 'h264' | 'h265';
}

const SCRIPT = fileURLToPath(new URL('../fixtures/rtsp-camera.py', import.meta.url));
const PYTHON = '/usr/bin/python3';
const READY_TIMEOUT_MS = 20_000;

// Cameras still running when this process exits are killed with it (the fixture also asks the
// kernel for SIGTERM when its parent dies, which covers a runner killed with SIGKILL).
const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function trackChild(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    });
  }
  running.add(child);
  child.once('exit', () => running.delete(child));
}

export async function startRtspCamera(opts: RtspCameraOptions = {}): Promise<RtspCamera> {
  if ((opts.user === undefined) !== (opts.password === undefined)) throw new Error('startRtspCamera: user and password go together');
  const port = opts.port ?? (await freePort());
  const path = opts.path === undefined ? '/cam' : opts.path.startsWith('/') ? opts.path : `/${opts.path}`;
  const args = [SCRIPT, '--port', String(port), '--path', path];
  if (opts.user !== undefined) args.push('--user', opts.user, '--password', opts.password!);
  if (opts.codec !== undefined) args.push('--codec', opts.codec);

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const launch = () =>
    new Promise<void>((resolve, reject) => {
      const c = spawn(PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      trackChild(c);
      exited = new Promise((res) => c.once('exit', () => res()));
      let out = '';
      let err = '';
      let settled = false;
      const fail = (why: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        c.kill('SIGKILL');
        reject(new Error(`rtsp camera on 127.0.0.1:${port}: ${why}\nstderr:\n${err}`));
      };
      const timer = setTimeout(() => fail(`no READY within ${READY_TIMEOUT_MS / 1000} s`), READY_TIMEOUT_MS);
      c.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        if (!settled && /^READY\b/m.test(out)) {
          settled = true;
          clearTimeout(timer);
          resolve();
        }
      });
      c.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
      c.once('error', (e) => fail(`cannot spawn ${PYTHON}: ${e.message}`));
      c.once('exit', (code, signal) => fail(`exited before READY (code ${code}, signal ${signal})`));
    });

  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    c.kill('SIGTERM');
    const killer = setTimeout(() => c.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  };

  await launch();
  const url = `rtsp://127.0.0.1:${port}${path}`;
  return {
    url,
    port,
    urlWithCredentials: () => (opts.user === undefined ? url : `rtsp://${encodeURIComponent(opts.user)}:${encodeURIComponent(opts.password!)}@127.0.0.1:${port}${path}`),
    stop,
    restart: async () => {
      await stop();
      await launch();
    },
  };
}
