// Where the worker's workflow code starts (the entry point the bundler reads): the TypeScript
// sources, or in a compiled build (dist/, `npm run build`) the JavaScript beside this file.
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

const THIS_FILE = fileURLToPath(import.meta.url);

/** True when this code runs compiled (dist/), false when it runs from the TypeScript sources. */
export const COMPILED = extname(THIS_FILE) === '.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL(`../workflows/index${extname(THIS_FILE)}`, import.meta.url));
