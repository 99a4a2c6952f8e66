/**
 * The layers' import rules, checked by `npm run lint`: no cycles anywhere, and the database is
 * reached only through the repositories in server/db (the one door to it).
 */
module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', comment: 'a cycle makes two modules one; split the shared part out', from: {}, to: { circular: true } },
    {
      name: 'database-through-repositories',
      severity: 'error',
      comment: 'routes, the CLI, workers and services call repositories, never the query builder',
      from: { path: '^(server|workers)/', pathNot: '^server/db/' },
      to: { path: '^node_modules/(kysely|pg|better-sqlite3)/' },
    },
    {
      name: 'database-opened-only-by-core',
      severity: 'error',
      comment: 'the composition root (server/core.ts) opens the database and hands out repositories; services, routes, the CLI and job handlers are given those, never the database',
      from: { path: '^(server|workers)/', pathNot: '^(server/db/|server/core\\.ts$)' },
      to: { path: '^server/db/database\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(player/dist|data)/' },
  },
};
