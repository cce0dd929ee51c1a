// What the worker image runs with, read from the Dockerfile, so the benchmark and the tests run the
// compiled worker exactly as the image does.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DOCKERFILE = fileURLToPath(new URL('../Dockerfile', import.meta.url));

/** The Node options of the worker image: the Dockerfile's `ENV NODE_OPTIONS="..."` line. */
export function imageNodeOptions(): string {
  const match = /^ENV NODE_OPTIONS="([^"]*)"$/m.exec(readFileSync(DOCKERFILE, 'utf8'));
  if (!match) throw new Error('the Dockerfile has no ENV NODE_OPTIONS="..." line (the benchmark and the tests run the worker with the image\'s options)');
  return match[1]!;
}
