// The vipsync command's entry point: bin/vipsync.js loads it through tsx; the image runs its
// compiled form (node dist/cli/run.js, see `npm run build`).
import { runCli } from './main.js';

// `vipsync vip list | head -1`: once the reader has gone, nothing left to write matters. Exit 0 at
// once, quietly, as the reader got what it asked for (SIGPIPE's 141 would fail `set -o pipefail`
// scripts that did nothing wrong). Without a listener, Node reports EPIPE with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

await runCli(process.argv);
