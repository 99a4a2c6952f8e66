import { pino, type Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({ level, base: { app: 'liuhen' }, redact: ['credential', 'key', '*.credential', '*.secretAccessKey'] });
}
