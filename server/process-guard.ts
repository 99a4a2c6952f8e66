/**
 * The last line of "no fault is fatal": an error that escaped every door is logged with its
 * stack and counted, and the process carries on, because exiting would stop every camera's
 * recording at once. Each such log line is a bug to fix at its door.
 */
import type { Logger } from 'pino';

export function guardProcess(log: Logger, onEscape: () => void = () => undefined): void {
  process.on('uncaughtException', (err, origin) => {
    onEscape();
    log.error({ err, origin }, 'an error escaped its door; the process carries on');
  });
  process.on('unhandledRejection', (err) => {
    onEscape();
    log.error({ err }, 'a rejected promise escaped its door; the process carries on');
  });
}
