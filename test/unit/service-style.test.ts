/**
 * One service style (issue 14): a service is a class constructed with the repositories it reads
 * and writes, built once by a composition root (server/core.ts, server/liuhen.ts, and
 * workers/worker-deps.ts for what job handlers are given). Two marks of the other styles fail
 * here, naming the file and line:
 * - a route, a command or a job handler building a service itself (`new X(` of a class whose
 *   constructor takes a repository), where it should call the one the root built;
 * - an exported free function taking the database, repositories or a bag holding them (a
 *   parameter typed `Db`, `Repositories`, `…Repository` or `…Deps`): a service in disguise.
 *   Repositories (server/db) and the pure rules (server/policy) are exempt, and a face takes the
 *   bag it is handed: routes `ApiDeps` (or part of it), job handlers the whole `WorkerDeps`.
 */
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { codeFiles, readCode } from '../helpers/source-lines.ts';

/** The composition roots: the core, the server, and what job handlers are given (workerDepsOf). */
const ROOTS = ['server/core.ts', 'server/liuhen.ts', 'workers/worker-deps.ts'];
const FACES = ['server/http/', 'server/cli/', 'workers/'];
const EXEMPT = ['server/db/', 'server/policy/'];
const HOLDS_DATABASE = /\b(Db|Repositories|\w+Repository|\w+Deps)\b/;
/** The bag a face is handed: routes and their middleware (server/http, tus in server/uploads) `ApiDeps` or part of it, job handlers the whole `WorkerDeps`. */
const FACE_BAG = /^((Pick<)?(ApiDeps|AppDeps)\b|WorkerDeps$)/;

/** Free functions over repositories not yet made services, and why they wait. */
const NOT_YET: Record<string, string> = {};

const source = (file: string) => ts.createSourceFile(file, readCode(file), ts.ScriptTarget.Latest, true);
const lineOf = (sf: ts.SourceFile, node: ts.Node) => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
const isExported = (node: ts.Node) => ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

/** Classes whose constructor takes a repository or the repositories: services. */
function serviceClasses(files: string[]): Set<string> {
  const names = new Set<string>();
  for (const file of files) {
    const sf = source(file);
    for (const s of sf.statements) {
      if (!ts.isClassDeclaration(s) || !s.name || file.startsWith('server/db/')) continue;
      const ctor = s.members.find(ts.isConstructorDeclaration);
      if (ctor?.parameters.some((p) => p.type && HOLDS_DATABASE.test(p.type.getText(sf)))) names.add(s.name.text);
    }
  }
  return names;
}

const built = (line: string, services: Set<string>): string[] => [...line.matchAll(/\bnew (\w+)\(/g)].flatMap((m) => (services.has(m[1]!) ? [m[1]!] : []));

/** `file:line: new X(` wherever a face builds a service. */
function servicesBuiltIn(files: string[], services: Set<string>): string[] {
  return files.flatMap((file) =>
    readCode(file)
      .split('\n')
      .flatMap((line, i) => built(line, services).map((name) => `${file}:${i + 1}: new ${name}(`)),
  );
}

/** `file:line: name(parameters)` of every exported function with a parameter that holds the database. */
function functionsOverTheDatabase(file: string): string[] {
  const sf = source(file);
  const found: string[] = [];
  const check = (name: string, fn: ts.SignatureDeclaration, at: ts.Node) => {
    const types = fn.parameters.map((p) => p.type?.getText(sf) ?? '');
    if (types.some((t) => HOLDS_DATABASE.test(t) && !FACE_BAG.test(t))) found.push(`${file}:${lineOf(sf, at)}: ${name}(${types.join(', ')})`);
  };
  for (const s of sf.statements) {
    if (!isExported(s)) continue;
    if (ts.isFunctionDeclaration(s) && s.name) check(s.name.text, s, s);
    if (ts.isVariableStatement(s))
      for (const d of s.declarationList.declarations) if (d.initializer && (ts.isArrowFunction(d.initializer) || ts.isFunctionExpression(d.initializer))) check(d.name.getText(sf), d.initializer, d);
  }
  return found;
}

const notYet = (file: string) => Object.keys(NOT_YET).some((p) => file === p || (p.endsWith('/') && file.startsWith(p)));

describe('one service style', () => {
  const files = codeFiles();

  it('finds no route, command or job handler building a service: the composition root builds each once', () => {
    const services = serviceClasses(files);
    expect(services.size).toBeGreaterThan(20);
    const faces = files.filter((f) => FACES.some((p) => f.startsWith(p)) && !ROOTS.includes(f));
    expect(servicesBuiltIn(faces, services)).toEqual([]);
  });

  it('finds no exported free function over the database outside the repositories and the pure rules', () => {
    const outside = files.filter((f) => !EXEMPT.some((p) => f.startsWith(p)) && !notYet(f)).flatMap(functionsOverTheDatabase);
    expect(outside).toEqual([]);
  });

  it('waits only for places that still hold such functions', () => {
    for (const place of Object.keys(NOT_YET)) expect(files.filter((f) => f === place || (place.endsWith('/') && f.startsWith(place))).flatMap(functionsOverTheDatabase), place).not.toEqual([]);
  });

  it('recognises both marks when it sees them', () => {
    const services = new Set(['CaseView']);
    expect(built('const view = new CaseView(core.repos.cases, check, clock);', services)).toEqual(['CaseView']);
    expect(built("throw new NotFound('case', id);", services)).toEqual([]);
    for (const t of ['Db', 'Repositories', "Pick<Repositories, 'cases'>", 'CaseRepository', 'KeepingDeps', "Pick<WorkerDeps, 'repos'>"]) expect(HOLDS_DATABASE.test(t), t).toBe(true);
    for (const t of ['Case', 'Viewer', 'EvidenceStore', 'Clock', 'Requester']) expect(HOLDS_DATABASE.test(t), t).toBe(false);
    for (const t of ['ApiDeps', "Pick<ApiDeps, 'gate'>", 'WorkerDeps']) expect(FACE_BAG.test(t), t).toBe(true);
    expect(FACE_BAG.test("Pick<WorkerDeps, 'repos'>")).toBe(false);
  });
});
