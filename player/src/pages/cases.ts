import type { PageContext } from '../router.ts';

export function casesPage(_ctx: PageContext): void {}
