import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs neither PostgreSQL nor Temporal (pure logic, the emulators, the CRM
// clients against them) and runs in seconds; `e2e` (*.e2e.test.ts) runs against the real
// PostgreSQL and Temporal dev server the global setup starts. `npm test` runs both.
export default defineConfig({
  test: {
    // Temporal's native core bridge misbehaves in worker threads.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default', './test/setup/summary-reporter.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/**/*.e2e.test.ts'] } },
      { extends: true, test: { name: 'e2e', include: ['test/**/*.e2e.test.ts'], globalSetup: ['test/setup/global.ts'] } },
    ],
  },
});
