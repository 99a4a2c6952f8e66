/**
 * A private nginx running the shipped balancer configuration (infra/deploy/nginx/liuhen.conf),
 * rendered for nodes on this machine: its own prefix, pid file, logs, temp dirs and free ports, a
 * self-signed certificate made with openssl. Nothing of the system's nginx is touched. nginx and
 * its stream module come from Debian's packages (installed through infra/dev/lib.sh if missing).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from './ports.ts';
import { waitFor } from './wait.ts';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const SHIPPED_CONF = path.join(REPO, 'infra/deploy/nginx/liuhen.conf');
const STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';

/** Debian's nginx and stream module, installed the way infra/dev installs every package. */
export async function ensureNginx(): Promise<void> {
  if (fs.existsSync('/usr/sbin/nginx') && fs.existsSync(STREAM_MODULE)) return;
  await run('bash', ['-c', '. infra/dev/lib.sh && apt_install nginx libnginx-mod-stream'], { cwd: REPO, timeout: 900_000 });
}

export interface NodePorts {
  http: number;
  rtmp: number;
}

export interface Listening {
  http: number;
  https: number;
  rtmp: number;
  rtmps: number;
}

/** The shipped file with this machine's values in the lines README "Deploying" tells a site to change. */
export function renderConf(shipped: string, o: { dir: string; nodes: NodePorts[]; listen: Listening; cert: string; key: string }): string {
  let out = shipped;
  const swap = (pattern: RegExp, to: string | ((...m: string[]) => string), times: number) => {
    const found = out.match(new RegExp(pattern.source, 'gm'))?.length ?? 0;
    if (found !== times) throw new Error(`${SHIPPED_CONF}: expected ${times} × ${pattern}, found ${found}`);
    out = out.replace(new RegExp(pattern.source, 'gm'), to as string);
  };
  swap(/^user www-data;$/, process.getuid?.() === 0 ? 'user root;' : '', 1);
  swap(/^worker_processes auto;$/, 'worker_processes 1;\ndaemon off;', 1);
  swap(/^pid \/run\/nginx\.pid;$/, `pid ${o.dir}/nginx.pid;`, 1);
  swap(/\/var\/log\/nginx\//, `${o.dir}/logs/`, 3);
  swap(/^include \/etc\/nginx\/modules-enabled\/\*\.conf;$/, `load_module ${STREAM_MODULE};`, 1);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `    ${t}_temp_path ${o.dir}/temp/${t};`).join('\n');
  swap(/^http \{$/, `http {\n${temp}`, 1);
  // The example's three nodes 10.0.0.11–13 become this test's nodes; the ones past them go.
  swap(
    /^(\s*)server 10\.0\.0\.1(\d):(8080|1935)( [^;]*);\n/,
    (_all, indent, n, port, params) => {
      const node = o.nodes[Number(n) - 1];
      return node ? `${indent}server 127.0.0.1:${port === '8080' ? node.http : node.rtmp}${params};\n` : '';
    },
    9,
  );
  swap(/^\s*listen \[::\]:\d+[^;]*;\n/, '', 4);
  swap(/listen 80;/, `listen 127.0.0.1:${o.listen.http};`, 1);
  swap(/listen 443 ssl http2;/, `listen 127.0.0.1:${o.listen.https} ssl http2;`, 1);
  swap(/listen 1935;/, `listen 127.0.0.1:${o.listen.rtmp};`, 1);
  swap(/listen 1936 ssl;/, `listen 127.0.0.1:${o.listen.rtmps} ssl;`, 1);
  swap(/ssl_certificate \/etc\/liuhen\/tls\/fullchain\.pem;/, `ssl_certificate ${o.cert};`, 2);
  swap(/ssl_certificate_key \/etc\/liuhen\/tls\/privkey\.pem;/, `ssl_certificate_key ${o.key};`, 2);
  return out;
}

export interface Balancer {
  listen: Listening;
  /** the self-signed certificate, PEM: the CA a client checks the balancer against */
  cert: string;
  log(): string;
  stop(): Promise<void>;
}

/** nginx from the shipped configuration in front of `nodes`, on free loopback ports. */
export async function startBalancer(nodes: NodePorts[]): Promise<Balancer> {
  await ensureNginx();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-nginx-'));
  for (const d of ['logs', 'temp']) fs.mkdirSync(path.join(dir, d));
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  const listen: Listening = { http: await freePort(), https: await freePort(), rtmp: await freePort(), rtmps: await freePort() };
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(conf, renderConf(fs.readFileSync(SHIPPED_CONF, 'utf8'), { dir, nodes, listen, cert, key }));
  const child: ChildProcess = spawn('nginx', ['-p', dir, '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const log = () => `${err}${fs.existsSync(`${dir}/logs/error.log`) ? fs.readFileSync(`${dir}/logs/error.log`, 'utf8') : ''}`;
  await waitFor(
    'nginx to start',
    () => {
      if (child.exitCode !== null) throw new Error(`nginx exited ${child.exitCode}:\n${log()}`);
      return fs.existsSync(path.join(dir, 'nginx.pid'));
    },
    20_000,
    100,
  );
  return {
    listen,
    cert: fs.readFileSync(cert, 'utf8'),
    log,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGQUIT');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
