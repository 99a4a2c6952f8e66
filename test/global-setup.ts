import { buildCliBundle } from './helpers/cli-bundle.ts';

/** Once per test run, before any test file: the `liuhen` command the tests spawn. */
export default async function setup(): Promise<void> {
  await buildCliBundle();
}
