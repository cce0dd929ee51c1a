// The one way the project talks to Postgres: a Prisma client over the pg driver adapter.
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../prisma/generated/client.js';

export type Db = PrismaClient;
export { Prisma } from '../prisma/generated/client.js';

export function createDb(databaseUrl: string, opts: { maxConnections?: number } = {}): Db {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: opts.maxConnections ?? 10 });
  return new PrismaClient({ adapter });
}
