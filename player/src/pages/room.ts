import type { PageContext } from '../router.ts';

export function roomPage(_ctx: PageContext): void {}
