// The CSV import benchmark's data (bench/import.ts): the people a sync already stored, and the
// files imported over them (a mix of new, changed, unchanged and rejected rows; a big file).
import pg from 'pg';

/** Generated person i's email, as seedCrmPeople's SQL writes it. */
export const personEmail = (i: number) => `person${i}@company${i % 500}.example`;

/** People a sync brought in: every third one with a CRM level. */
export async function seedCrmPeople(databaseUrl: string, people: number): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`
      INSERT INTO vips (email, name, company, level, level_source, level_reason, crm_level, crm_level_reason, source, validated, validated_by)
      SELECT 'person' || i || '@company' || (i % 500) || '.example', 'Person ' || i, 'Company ' || (i % 500),
             CASE WHEN i % 3 = 0 THEN 1 + i % 5 END, CASE WHEN i % 3 = 0 THEN 'crm'::"VipSource" END,
             CASE WHEN i % 3 = 0 THEN 'from the CRM' END, CASE WHEN i % 3 = 0 THEN 1 + i % 5 END,
             CASE WHEN i % 3 = 0 THEN 'from the CRM' END, 'crm', true, '{bench}'
      FROM generate_series(0, $1 - 1) AS i`, [people]);
  } finally {
    await client.end();
  }
}

/**
 * `rows` data rows: the first fifth of the CRM people unchanged (their level and name as stored),
 * the rest of them updated (a level, a note), then new people; one row in a hundred rejected
 * (a bad level or email) and one in five hundred a duplicate of an earlier row.
 */
export function importFile(rows: number, crmPeople: number): string {
  const lines = ['email,name,company,level,phone,notes'];
  for (let i = 0; i < rows; i += 1) {
    if (i % 500 === 499) lines.push(`${personEmail(i - 1)},Duplicate,,2,,`);
    else if (i % 100 === 77) lines.push(`${personEmail(i)},Person ${i},,9,,`);
    else if (i % 100 === 78) lines.push(`not-an-email-${i},Person ${i},,3,,`);
    else if (i < crmPeople / 5 && i % 3 === 0) lines.push(`${personEmail(i)},Person ${i},,${1 + (i % 5)},,`);
    else if (i < crmPeople) lines.push(`${personEmail(i)},,,${1 + ((i + 1) % 5)},,Account review ${i}`);
    else lines.push(`${personEmail(i)},Person ${i},Company ${i % 500},${1 + (i % 5)},+1 415 555 ${String(i % 10_000).padStart(4, '0')},New in ${i % 12 + 1}/2026`);
  }
  return `${lines.join('\n')}\n`;
}

/** A CSV of about `mb` megabytes: new people with every column filled. */
export function bigFile(mb: number): string {
  const lines = ['email,name,company,level,phone,notes'];
  let size = 0;
  for (let i = 0; size < mb * 1024 * 1024; i += 1) {
    const line = `big${i}@bulk${i % 1000}.example,Big Person ${i},Bulk Company ${i % 1000},${1 + (i % 5)},+1 415 555 ${String(i % 10_000).padStart(4, '0')},"Imported for the benchmark, row ${i}; prefers email, not calls"`;
    size += line.length + 1;
    lines.push(line);
  }
  return `${lines.join('\n')}\n`;
}
