/** A page family's messages in both languages; the English must name every Chinese key. */
export function bundle<const Z extends Record<string, string>>(zh: Z, en: Record<keyof Z, string>): { zh: Z; en: Record<keyof Z, string> } {
  return { zh, en };
}
