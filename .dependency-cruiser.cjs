// Dependency rules, checked in `npm test` (npm run depcheck): the engine imports nothing else of the
// project, the CDS Hooks service never imports the server or the sandbox that mount it, and no module
// depends on itself through a cycle. Type-only imports count too.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A module must not depend on itself through others.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'criteria-imports-nothing-of-the-project',
      severity: 'error',
      comment: 'criteria/ is the shared engine: it runs unchanged in the browser and in Node, and depends on nothing else here.',
      from: { path: '^criteria/' },
      to: { path: '^(cds-hooks|server|client|sandbox|cli|bench|test|scripts)/' },
    },
    {
      name: 'criteria-only-its-own-libraries',
      severity: 'error',
      comment: 'The engine may use zod and fhirpath (Node-only, left out of the browser build) and nothing else from npm.',
      from: { path: '^criteria/' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'], pathNot: 'node_modules/(zod|fhirpath)/' },
    },
    {
      name: 'services-do-not-import-the-server',
      severity: 'error',
      comment: 'The composition root is at the edge: server/ mounts cds-hooks/, cds-hooks/ and common/ never import server/ or the sandbox.',
      from: { path: '^(cds-hooks|common)/' },
      to: { path: '^(server|sandbox|client|cli)/' },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], mainFields: ['module', 'main', 'types'], extensions: ['.ts', '.tsx', '.js', '.mjs', '.json', '.d.ts'] },
  },
};
