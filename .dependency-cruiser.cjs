// Which folder may import which (`npm run deps`, part of `npm test`). The folders form layers:
// each may import only the ones below it, so there are no cycles between folders, and worker/ (the
// process wiring) is imported by nobody but the entry points above it (cli/, bench/, test/).
// workflows/contract.ts (the names and types both sides of Temporal agree on) and the lookup
// answer's schema are shared by every layer.
const LAYERS = ['runtime', 'db', 'crm', 'vip', 'sync', 'lookup', 'admin', 'config', 'activities', 'workflows', 'server', 'worker'];
const SHARED = '^(workflows/contract\\.ts|lookup/answer\\.ts)$';

const layerRules = LAYERS.flatMap((lower, i) => {
  const higher = LAYERS.slice(i + 1);
  if (higher.length === 0) return [];
  return [{
    name: `layer-${lower}`,
    comment: `${lower}/ sits below ${higher.join(', ')}: importing them from it would make a cycle between folders`,
    severity: 'error',
    from: { path: `^${lower}/` },
    to: { path: `^(${higher.join('|')})/`, pathNot: SHARED },
  }];
});

module.exports = {
  forbidden: [
    {
      name: 'no-worker-from-below',
      comment: 'worker/ is wiring only: what it wires must not depend on it (inject instead)',
      severity: 'error',
      from: { pathNot: '^(worker|cli|bench|test)/' },
      to: { path: '^worker/' },
    },
    ...layerRules,
    {
      name: 'no-circular',
      comment: 'modules that import each other',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|prisma/generated)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
