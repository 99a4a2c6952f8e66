import type { Core } from '../liuhen.ts';
import { EXIT } from './exit-codes.ts';

export const CASE_USAGE = '';

export async function caseCommand(_core: Core, _args: string[]): Promise<number> {
  return EXIT.badInput;
}
