import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';

/** Resolves true once `child` has exited, or false if it is still running after `timeoutMs`. */
export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, timeoutMs);
    const onExit = () => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

/** Sends `signal`, and SIGKILL if the child has not exited after `graceMs`. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  if (await waitForExit(child, graceMs)) return;
  child.kill('SIGKILL');
  await waitForExit(child, 5_000);
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM means it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Signals a process that is not our child (e.g. one a killed `dev up` left), SIGKILL after `graceMs`. */
export async function stopPid(pid: number, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  const send = (s: NodeJS.Signals) => {
    try {
      process.kill(pid, s);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  };
  send(signal);
  const deadline = Date.now() + graceMs;
  while (isProcessAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (!isProcessAlive(pid)) return;
  send('SIGKILL');
  const killDeadline = Date.now() + 5_000;
  while (isProcessAlive(pid) && Date.now() < killDeadline) await new Promise((r) => setTimeout(r, 100));
}

export interface RunningProcess {
  pid: number;
  argv: string[];
}

/**
 * Every process on the machine with its command line: from /proc where there is one (exact
 * arguments), else from `ps` (arguments split at spaces).
 */
export async function listProcesses(): Promise<RunningProcess[]> {
  if (existsSync('/proc/self/cmdline')) {
    const pids = (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry));
    const found = await Promise.all(pids.map(async (entry) => {
      const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
      return cmdline ? [{ pid: Number(entry), argv: cmdline.replace(/\0$/, '').split('\0') }] : [];
    }));
    return found.flat();
  }
  const listing = await runCommand('ps', ['-A', '-o', 'pid=,args='], { timeoutMs: 10_000 });
  return listing.split('\n').flatMap((line) => {
    const match = /^\s*(\d+)\s+(.*)$/.exec(line);
    return match ? [{ pid: Number(match[1]), argv: match[2]!.split(/\s+/) }] : [];
  });
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  uid?: number;
  gid?: number;
  timeoutMs?: number;
}

/** Runs a command to completion; the error names the command and carries its output. */
export async function runCommand(command: string, args: string[], options: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: options.env,
        uid: options.uid,
        gid: options.gid,
        timeout: options.timeoutMs ?? 0,
        maxBuffer: 16 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const output = `${stdout}${stderr}`.trim();
        const how = error.killed
          ? `was stopped (${error.signal ?? 'timeout'})`
          : typeof error.code === 'number'
            ? `exited with code ${error.code}`
            : `could not run (${error.message})`;
        reject(new Error(`\`${command} ${args.join(' ')}\` ${how}${output ? `:\n${lastLines(output, 30)}` : ''}`));
      },
    );
  });
}

export function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

export async function tailOfFile(path: string, count = 30): Promise<string> {
  try {
    return lastLines(await readFile(path, 'utf8'), count);
  } catch {
    return '(no log output)';
  }
}
