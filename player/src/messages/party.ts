import { bundle } from './bundle.ts';

export const partyMessages = bundle({}, {});
