import { bundle } from './bundle.ts';

export const analyticsMessages = bundle({}, {});
