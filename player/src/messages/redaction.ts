import { bundle } from './bundle.ts';

export const redactionMessages = bundle({}, {});
