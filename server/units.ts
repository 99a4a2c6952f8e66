import { z } from 'zod';

/** A unit (执法单位) code: the boundary of what commanders and custodians see. */
export const unitSchema = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'unit codes are 1–64 letters, digits, ., - or _');
