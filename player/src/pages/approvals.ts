import type { PageContext } from '../router.ts';

export function approvalsPage(_ctx: PageContext): void {}
