#!/usr/bin/env node
// `npm run build` (and `npm ci` / `npm install`, through the prepare script): compiles the
// TypeScript sources to dist/ (tsconfig.build.json), copies the files they read at run time (the
// default VIP rules, the database migrations) beside them, and stamps the build with the time it
// started, so bin/vipsync.js runs it only while no source is newer.
//   node bin/build.mjs [--out DIR]
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ASSETS = ['vip/default-rules.yaml', 'prisma/migrations', 'crm/salesforce/pubsub/pubsub_api.proto', 'server/console/views', 'server/console/assets'];

const { values } = parseArgs({ options: { out: { type: 'string' } } });
const out = resolve(values.out ?? join(ROOT, 'dist'));
const startedAt = Date.now();
rmSync(out, { recursive: true, force: true });
let tsc;
try {
  tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin/tsc');
} catch {
  // An install without the dev dependencies (npm ci --omit=dev) has no compiler: vipsync then runs
  // the sources through tsx. Asked for explicitly (npm run build), that is an error.
  if (process.env.npm_lifecycle_event === 'prepare') {
    console.error('build: skipped, TypeScript is not installed (vipsync runs the sources through tsx)');
    process.exit(0);
  }
  console.error('build: TypeScript is not installed; run npm ci (with the dev dependencies) first');
  process.exit(1);
}
const result = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', out], { stdio: 'inherit', cwd: ROOT });
if (result.status !== 0) {
  console.error(`build: the TypeScript compiler failed (exit ${result.status}); see its errors above`);
  process.exit(result.status ?? 1);
}
for (const asset of ASSETS) cpSync(join(ROOT, asset), join(out, asset), { recursive: true });
writeFileSync(join(out, '.build-stamp'), String(startedAt));
console.error(`build: ${out}`);
