// What each top-level vipsync command is for, as `vipsync --help` lists it: here, apart from the
// command modules, so listing them does not load any of them (cli/main.ts loads only the one run).
export const COMMAND_DESCRIPTIONS = {
  demo: 'Start the embedded stack with demo data, sync both CRMs, show the VIP list and some lookups, stop (the worker\'s log: .vipsync/demo.log)',
  dev: 'The embedded stack: PostgreSQL, Temporal, CRM emulators and the worker, on this machine',
  sync: 'Run and inspect CRM syncs',
  lookup: 'Look up one email or phone the way an agent does (same code path as the lookupVip activity)',
  emulator: 'Drive the local HubSpot and Salesforce emulators of the dev stack',
  worker: 'Run the production worker, configured by environment variables (see README, "Configuration")',
  db: 'Database schema',
  vip: 'Manage the VIP list: list, show, add, edit, rm, import, export, notes',
  token: 'API tokens for `vipsync serve` (HTTP API and MCP)',
  audit: 'The audit log: every lookup, read and change, from every surface',
  serve: 'Run the HTTP API (OpenAPI at /openapi.json) and MCP over HTTP (/mcp); bearer tokens from `vipsync token create`; GET /health (no token) answers 503 when the database does not',
  mcp: 'Serve MCP over stdio (tool lookup_vip) for a local LLM client; acts as the OS user',
  doctor: 'Check Temporal, the workers, the database, each CRM connection and its last sync',
  validate: 'Check one email live against every connected CRM and update its validated status',
  stale: 'Review VIPs who probably left their company',
  report: 'Reports over the VIP list',
  rules: 'What a new VIP rules file would change (whose level, why, the inflation check) before it is used',
  groups: 'VIP groups and their handling (team, priority, response time): list, add, edit, delete, members, add-member, remove-member',
} as const;

export type CommandName = keyof typeof COMMAND_DESCRIPTIONS;
