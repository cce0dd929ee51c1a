// Where the worker's workflow code starts (the entry point the bundler reads): the TypeScript
// sources, or in a compiled build (dist/, `npm run build`) the JavaScript beside this file.
import { fileURLToPath } from 'node:url';
import { MODULE_EXTENSION } from '../runtime/build.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL(`../workflows/index${MODULE_EXTENSION}`, import.meta.url));
