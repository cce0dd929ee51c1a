#!/usr/bin/env node
// Runs `prisma generate` on machines that cannot download Prisma's schema engine.
// generate never executes that engine, it only checks that the configured path exists, so any
// executable will do; a machine with the real engine (PRISMA_SCHEMA_ENGINE_BINARY set, or online)
// keeps its own.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const env = { ...process.env };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
env.PRISMA_HIDE_UPDATE_MESSAGE = '1';
const cli = require.resolve('prisma/build/index.js');
const result = spawnSync(process.execPath, [cli, 'generate'], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
