/**
 * The few parts of node-media-server 4.4 (CommonJS, untyped) that liuhen touches, typed here so
 * nothing else reaches into the library. Pinned to 4.4.3 in package.json: these are internals.
 */
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

const require = createRequire(import.meta.url);

export interface NmsSession {
  id: string;
  ip: string;
  protocol: string;
  streamApp: string;
  streamName: string;
  streamPath: string;
  streamQuery: Record<string, string | string[] | undefined>;
  socket?: Socket;
  sendBuffer: (buffer: Buffer) => void;
  close: () => void;
}

export interface NmsBroadcast {
  publisher: NmsSession | null;
  publishGraceMs: number;
  postPlay(session: NmsSession): string | null;
  donePlay(session: NmsSession): void;
}

export interface NmsServer {
  on(event: 'prePublish' | 'postPublish' | 'donePublish', listener: (session: NmsSession) => void): void;
  run(): Promise<void>;
  stop(): Promise<void>;
  rtmpServer: { tcpServer?: import('node:net').Server; handleListenError: (name: string, port: number) => (err: Error) => void };
  /** the library's JSON store; by default it re-kills the process on SIGINT/SIGTERM; without an 'error' listener it writes flush failures to the console */
  store: { options: { signals: boolean }; on(event: 'error', listener: (err: Error) => void): void };
}

export interface NmsConfig {
  bind: string;
  rtmp: { port: number };
  webadmin: { enable: false };
  store: { path: string };
  auth: { publish: boolean; play: boolean; secret: string };
}

export const NodeMediaServer: new (config: NmsConfig) => NmsServer = require('node-media-server');
export const nmsContext: { broadcasts: Map<string, NmsBroadcast> } = require('node-media-server/src/core/context.js');
export const BaseSession: new () => NmsSession = require('node-media-server/src/session/base_session.js');
const nmsLogger: { level: string } = require('node-media-server/src/core/logger.js');

/** The constructor forces the library's logger to debug; liuhen logs what matters itself. */
export function quietNmsLogger(): void {
  nmsLogger.level = 'error';
}
