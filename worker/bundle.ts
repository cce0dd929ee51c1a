// Bundles the workflow code in a short-lived child process. Bundling (webpack) leaves ~100 MB in
// the process that runs it, which a long-running worker should not carry around.
//   node --import tsx worker/bundle.ts OUT_FILE     (what bundleWorkflowsApart runs; compiled:
//   node dist/worker/bundle.js OUT_FILE)
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { MODULE_LOADER_ARGS, PROJECT_ROOT } from '../runtime/build.js';
import { WORKFLOWS_PATH } from './workflows-path.js';

const THIS_FILE = fileURLToPath(import.meta.url);

/** Bundles the workflows in a child process; returns the bundle's file for Worker.create (which reads it once). */
export async function bundleWorkflowsApart(): Promise<{ codePath: string }> {
  const codePath = join(await mkdtemp(join(tmpdir(), 'vipsync-workflows-')), 'workflows.js');
  let output = '';
  const code = await new Promise<number | null>((resolve, reject) => {
    // `--import tsx` resolves from the working directory: the child runs from the project's root.
    const child = spawn(process.execPath, [...MODULE_LOADER_ARGS, THIS_FILE, codePath], { cwd: PROJECT_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`bundling the workflow code failed (exit ${code}):\n${output.slice(-4000)}`);
  return { codePath };
}

if (process.argv[1] === THIS_FILE) {
  const out = process.argv[2];
  if (!out) throw new Error('usage: worker/bundle.ts OUT_FILE');
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH });
  await writeFile(out, code);
}
