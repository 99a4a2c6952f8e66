import { spawn } from 'node:child_process';
import path from 'node:path';
import { CLI_BUNDLE } from './cli-bundle.ts';

/** The shipped entry point (tsx over the sources); the tests run the same sources bundled (cli-bundle.ts). */
export const LIUHEN_BIN = path.resolve(import.meta.dirname, '../../bin/liuhen.js');

export interface CliResult {
  code: number | null;
  /** the signal that ended it, if one did */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `liuhen` command, as a person would, with the given LIUHEN_* environment. */
export function runCli(args: string[], env: Record<string, string>, entry = CLI_BUNDLE): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    // 'close', not 'exit': at 'exit' the pipes may still hold output not yet read (under load CI got
    // an empty stdout from a command that had printed its report).
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
