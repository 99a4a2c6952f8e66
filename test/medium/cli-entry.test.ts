/**
 * The tests spawn `liuhen` from a bundle of its sources (test/helpers/cli-bundle.ts); operators run
 * bin/liuhen.js, which runs the same sources through tsx. Here the shipped entry answers as the
 * bundle does: its usage, and a command that opens the database, migrates it and reads it.
 */
import { expect, it } from 'vitest';
import { LIUHEN_BIN, runCli } from '../helpers/cli.ts';
import { testEnv } from '../helpers/server.ts';

it('bin/liuhen.js and the bundle the tests run give the same answers', async () => {
  const env = await testEnv();
  for (const args of [['--help'], ['devices'], ['no-such-command']]) {
    const shipped = await runCli(args, env, LIUHEN_BIN);
    const bundled = await runCli(args, env);
    expect(bundled, args.join(' ')).toEqual(shipped);
  }
  // The comparison compared something: the usage names the commands.
  expect((await runCli(['--help'], env)).stdout).toMatch(/liuhen up/);
});
