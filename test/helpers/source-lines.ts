/** The lines of liuhen's own code (server/, workers/) that match a pattern, for the door tests in test/unit. */
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

function sources(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return sources(rel);
    return e.name.endsWith('.ts') ? [rel] : [];
  });
}

/** The .ts files under server/ and workers/, as paths with `/` from the repository root. */
export function codeFiles(): string[] {
  return [...sources('server'), ...sources('workers')].map((f) => f.split(path.sep).join('/'));
}

/** `file:line: text` of every line of `files` that `pattern` matches. */
export function linesMatching(files: string[], pattern: RegExp): string[] {
  return files.flatMap((f) =>
    fs
      .readFileSync(path.join(ROOT, f), 'utf8')
      .split('\n')
      .flatMap((line, i) => (pattern.test(line) ? [`${f}:${i + 1}: ${line.trim()}`] : [])),
  );
}

export const readCode = (file: string): string => fs.readFileSync(path.join(ROOT, file), 'utf8');
