import type { PageContext } from '../router.ts';

export function analyticsPage(_ctx: PageContext): void {}
