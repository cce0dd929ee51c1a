#!/usr/bin/env node
// The vipsync command. It runs the compiled build (dist/, which `npm ci` / `npm install` make
// through the prepare script, or `npm run build`) when that build is newer than every file it was
// made from, and the TypeScript sources through tsx's loader otherwise, so an edited source never
// runs stale. VIPSYNC_FROM_SOURCES=1 always runs the sources.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STAMP = join(ROOT, 'dist', '.build-stamp');

/** The folders the build compiles (tsconfig.build.json's include; its comments are not JSON). */
function sourceFolders() {
  const text = readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8').replace(/^\s*\/\/.*$/gm, '');
  return JSON.parse(text).include;
}

/** Whether any file under `dir` changed after `since` (ms). */
function changedSince(dir, since) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'generated' && changedSince(path, since)) return true;
    } else if (statSync(path).mtimeMs > since) {
      return true;
    }
  }
  return false;
}

function buildIsCurrent() {
  if (process.env.VIPSYNC_FROM_SOURCES || !existsSync(STAMP)) return false;
  const builtAt = Number(readFileSync(STAMP, 'utf8'));
  try {
    return !sourceFolders().some((folder) => existsSync(join(ROOT, folder)) && changedSince(join(ROOT, folder), builtAt));
  } catch {
    return false;
  }
}

if (buildIsCurrent()) {
  await import('../dist/cli/run.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/run.ts');
}
