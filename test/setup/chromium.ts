// The browser the console tests drive: Debian's chromium through playwright-core (which downloads
// nothing). CI installs nothing by apt before `npm test`, so the first browser test file installs
// it here when it is missing and this machine lets it (root with apt-get); otherwise it fails
// with what to install. VIPSYNC_CHROMIUM names another binary.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

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
  console.error('[test stack] installing chromium with apt-get (once per machine) ...');
  const install = () => execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 600_000 });
  try {
    install();
  } catch {
    // A fresh machine's package lists may be empty or old.
    execFileSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 });
    install();
  }
  const installed = found();
  if (!installed) throw new Error('apt-get install chromium finished but no chromium binary is at /usr/bin/chromium; set VIPSYNC_CHROMIUM');
  return installed;
}
