// The browser the console tests drive: Debian's chromium through playwright-core (which downloads
// nothing). CI installs nothing by apt before `npm test`, so the first browser test file installs
// it here when it is missing and this machine lets it (root with apt-get); otherwise it fails
// with what to install. VIPSYNC_CHROMIUM names another binary.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

const found = () => (process.env.VIPSYNC_CHROMIUM ? [process.env.VIPSYNC_CHROMIUM] : CANDIDATES).find((path) => existsSync(path));

export function chromiumPath(): string {
  const present = found();
  if (present) return present;
  if (process.env.VIPSYNC_CHROMIUM) throw new Error(`VIPSYNC_CHROMIUM=${process.env.VIPSYNC_CHROMIUM} does not exist`);
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !existsSync('/usr/bin/apt-get')) {
    throw new Error('the console tests need Chromium: install it (Debian/Ubuntu: `apt-get install -y chromium`) or set VIPSYNC_CHROMIUM to a Chromium or Chrome binary');
  }
  // Browser test files start side by side: one installs, the others wait for it (apt holds a lock).
  const lock = join(tmpdir(), 'vipsync-chromium-install.lock');
  try {
    mkdirSync(lock);
  } catch {
    // Wait while another test process installs; a lock older than 15 minutes was left by a killed one.
    const deadline = Date.now() + 900_000;
    const lockAge = () => {
      const stat = statSync(lock, { throwIfNoEntry: false });
      return stat ? Date.now() - stat.mtimeMs : null;
    };
    for (let age = lockAge(); age !== null && age < 900_000 && Date.now() < deadline; age = lockAge()) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    }
    const after = found();
    if (after) return after;
    rmSync(lock, { recursive: true, force: true });
    mkdirSync(lock, { recursive: true });
  }
  try {
    return install();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function install(): string {
  console.error('[test stack] installing chromium with apt-get (once per machine) ...');
  const aptInstall = () => execFileSync('apt-get', ['install', '-y', 'chromium'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 600_000 });
  try {
    aptInstall();
  } catch {
    // A fresh machine's package lists may be empty or old.
    execFileSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 });
    aptInstall();
  }
  const installed = found();
  if (!installed) throw new Error('apt-get install chromium finished but no chromium binary is at /usr/bin/chromium; set VIPSYNC_CHROMIUM');
  return installed;
}
