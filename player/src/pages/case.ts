import type { PageContext } from '../router.ts';

export function casePage(_ctx: PageContext): void {}
