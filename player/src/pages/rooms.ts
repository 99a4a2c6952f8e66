import type { PageContext } from '../router.ts';

export function roomsPage(_ctx: PageContext): void {}
