import { bundle } from './bundle.ts';

export const casesMessages = bundle({}, {});
