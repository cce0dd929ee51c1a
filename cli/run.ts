// The vipsync command's entry point: bin/vipsync.js loads it through tsx; the image runs its
// compiled form (node dist/cli/run.js, see `npm run build`).
import { runCli } from './main.js';

await runCli(process.argv);
