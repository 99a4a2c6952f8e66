import { z } from 'zod';

/** An officer's badge number (执法证件编号): how users, bodycams and case members name a person. */
export const badgeSchema = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'badge numbers are 1–32 letters, digits, - or _');
