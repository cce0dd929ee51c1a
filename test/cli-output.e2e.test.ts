// What the CLI prints for people: text from a CRM (names, companies, titles: anyone who can edit a
// contact writes them) is shown, never obeyed by the terminal. --json stays exact.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDb, type Db } from '../db/client.js';
import { runCli } from '../cli/main.js';
import { applyMigrations } from '../prisma/migrate.js';
import { freshDatabase } from './setup/database.js';

// Clears the screen, retitles the window, rings the bell, colours the rest red, uses the one-byte
// CSI (0x9B) and a right-to-left override.
const HOSTILE_NAME = 'Eve\u001b[2J\u001b]0;pwned\u0007\u009b31m\u202Eevil';
const CONTROL = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/u;

describe('CLI human output of CRM text', () => {
  let db: Db;
  let databaseUrl: string;

  /** Runs `vipsync ...args` in this process; returns what it printed on stdout and stderr. */
  async function vipsync(...args: string[]): Promise<{ stdout: string; stderr: string }> {
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = databaseUrl;
    let stdout = '';
    let stderr = '';
    const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
    try {
      await runCli(['node', 'vipsync', ...args]);
    } finally {
      out.mockRestore();
      err.mockRestore();
      process.env.DATABASE_URL = saved;
    }
    expect(process.exitCode ?? 0, stderr).toBe(0);
    return { stdout, stderr };
  }

  beforeAll(async () => {
    databaseUrl = await freshDatabase('cli_output');
    await applyMigrations(databaseUrl);
    db = createDb(databaseUrl);
    // As a sync leaves a person whose CRM contact someone filled with escape sequences.
    await db.vip.create({
      data: {
        email: 'eve@example.com', name: HOSTILE_NAME, company: 'Acme\u001b[31m Corp', level: 5, levelSource: 'crm', source: 'crm',
        levelReason: 'HubSpot vip_level=5 (contact 1\u001b[1A)', notes: 'line one\nline two\u001b[2J', staleReason: null,
      },
    });
    await db.auditLog.create({ data: { actor: 'x', surface: 'http', action: 'lookup', subject: 'eve@example.com' } });
  });
  afterAll(async () => {
    await db?.$disconnect();
  });

  it.each([
    ['lookup', ['lookup', 'eve@example.com']],
    ['vip show', ['vip', 'show', 'eve@example.com']],
    ['vip list', ['vip', 'list']],
    ['audit vips', ['audit', 'vips']],
  ])('%s shows the escape sequences instead of sending them to the terminal', async (_what, args) => {
    const { stdout, stderr } = await vipsync(...args);
    expect(stdout).toContain('Eve\\x1B[2J\\x1B]0;pwned\\x07\\x9B31m\\u202Eevil');
    expect(stdout).not.toMatch(CONTROL);
    expect(stderr).not.toMatch(CONTROL);
  });

  it('keeps the notes readable on their lines', async () => {
    const { stdout } = await vipsync('vip', 'show', 'eve@example.com');
    expect(stdout).toContain('  notes:      line one\n              line two\\x1B[2J');
  });

  it('prints the exact text with --json', async () => {
    const { stdout } = await vipsync('lookup', 'eve@example.com', '--json');
    expect(JSON.parse(stdout)).toMatchObject({ name: HOSTILE_NAME, company: 'Acme\u001b[31m Corp' });
    const shown = JSON.parse((await vipsync('vip', 'show', 'eve@example.com', '--json')).stdout) as { name: string };
    expect(shown.name).toBe(HOSTILE_NAME);
  });
});
