// Whether this process runs the TypeScript sources (through tsx) or the compiled build (dist/,
// `npm run build`), and where the project is either way: files the code reads or starts (the
// dev stack's state, the supervisor, the Temporal CLI it installs) sit beside the sources.
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** True in the compiled build (dist/), false from the TypeScript sources. */
export const COMPILED = extname(fileURLToPath(import.meta.url)) === '.js';

/** The extension of this project's modules as they run: `.js` compiled, `.ts` from the sources. */
export const MODULE_EXTENSION = COMPILED ? '.js' : '.ts';

/** Node's arguments to run one of this project's modules in a child process (tsx's loader for sources). */
export const MODULE_LOADER_ARGS: readonly string[] = COMPILED ? [] : ['--import', 'tsx'];

/** The project's root: the checkout, also when running from dist/ inside it. */
export const PROJECT_ROOT = fileURLToPath(new URL(COMPILED ? '../../' : '../', import.meta.url));
