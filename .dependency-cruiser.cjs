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
      name: 'routes-and-workers-without-db',
      severity: 'error',
      comment: 'routes and job handlers are handed repositories and services (ApiDeps, WorkerDeps), never the database',
      from: { path: '^(server/http|workers)/' },
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
