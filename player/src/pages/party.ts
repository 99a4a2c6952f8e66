import type { PageContext } from '../router.ts';

export function partyPage(_ctx: PageContext): void {}
