// The CSV import wizard: upload, the columns auto-mapped with a drop-down each, a dry run (rows to
// add / update / unchanged, each rejected row with its line and reason), confirm, progress, result.
// The same reading and writing as `vipsync vip import` and POST /v1/vips/import
// (admin/csv-reading.ts, admin/csv-import.ts): the dry run is the import with nothing written.
import { parse } from 'csv-parse/sync';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CSV_FIELDS, fieldForHeader, parseColumnMap, type CsvField } from '../../admin/csv-columns.js';
import { importVips } from '../../admin/csv-import.js';
import { readVipCsv } from '../../admin/csv-reading.js';
import { AdminError } from '../../admin/errors.js';
import { logger } from '../../runtime/logger.js';
import type { ApiDeps } from '../routes/common.js';
import { formText } from './forms.js';
import { ImportJobs, type ImportJob } from './import-jobs.js';
import { render } from './render.js';
import { consoleActor, sameSecret } from './session.js';

/** Rejected rows a review page lists (the count says how many more there are). */
const SHOWN_ERRORS = 500;
const HEADER_BYTES = 64 * 1024;

/** The header row of a CSV's first bytes; AdminError when there is none. */
export function readHeader(bytes: Buffer): string[] {
  let records: string[][];
  try {
    records = parse(bytes.subarray(0, HEADER_BYTES).toString('utf8'), { bom: true, to_line: 1, relax_column_count: true, relax_quotes: true, skip_empty_lines: true });
  } catch (error) {
    throw new AdminError('invalid', `not a readable CSV file: ${(error as Error).message}`);
  }
  const header = records[0];
  if (!header || header.every((c) => c.trim() === '')) throw new AdminError('invalid', 'the file is empty: expected a header row such as email,name,company,level,notes');
  return header;
}

/** The drop-downs' choices: column index -> field or '' (ignored). */
function chosenFields(body: unknown, header: string[]): (CsvField | null)[] {
  return header.map((_, i) => {
    const value = formText(body, `map_${i}`);
    return (CSV_FIELDS as readonly string[]).includes(value) ? (value as CsvField) : null;
  });
}

/** The explicit mapping every column gets from its drop-down (parseColumnMap's col=field). */
function columnMap(header: string[], fields: (CsvField | null)[]) {
  return parseColumnMap(header.filter((c) => c.trim() !== '').map((c) => `${c}=${fields[header.indexOf(c)] ?? 'ignore'}`));
}

export async function importPages(app: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
  const jobs = new ImportJobs(deps.db);
  const mappingPage = (request: FastifyRequest, reply: FastifyReply, job: ImportJob, fields: (CsvField | null)[], error: string | null, status = 200) =>
    render(request, reply.code(status), 'import-map', 'Import: columns', { job: { id: job.id, file: job.file }, header: job.header, fields, choices: CSV_FIELDS, error });
  const findJob = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const job = await jobs.get(request.params.id, request.consoleSession!.tokenName);
    if (!job) throw new AdminError('not_found', 'this import is not known here (uploads are kept for an hour); upload the file again');
    return job;
  };

  app.get('/import', { config: { consoleScope: 'vips:write' } }, async (request, reply) => render(request, reply, 'import-upload', 'Import a CSV', { error: null }));

  app.post('/import', { config: { consoleScope: 'vips:write' } }, async (request, reply) => {
    const session = request.consoleSession!;
    const upload = await request.file();
    const csrfField = upload?.fields._csrf;
    const csrf = csrfField && !Array.isArray(csrfField) && csrfField.type === 'field' ? String(csrfField.value) : undefined;
    if (!sameSecret(csrf, session.csrf)) {
      return render(request, reply.code(403), 'message', 'Refused', { heading: 'This form has expired', message: 'The upload was not sent from this session (CSRF check). Reload the page and try again.' });
    }
    if (!upload || upload.fieldname !== 'file') return render(request, reply.code(400), 'import-upload', 'Import a CSV', { error: 'Choose a CSV file to upload.' });
    const bytes = await upload.toBuffer();
    const file = upload.filename.slice(0, 200) || 'upload.csv';
    let header: string[];
    try {
      if (bytes.length === 0) throw new AdminError('invalid', `${file} is empty: expected a header row such as email,name,company,level,notes`);
      header = readHeader(bytes);
    } catch (error) {
      if (!(error instanceof AdminError)) throw error;
      return render(request, reply.code(400), 'import-upload', 'Import a CSV', { error: error.message });
    }
    const job = await jobs.create(session.tokenName, file, bytes, header);
    return mappingPage(request, reply, job, header.map(fieldForHeader), null);
  });

  app.post<{ Params: { id: string }; Body: unknown }>('/import/:id/review', { config: { consoleScope: 'vips:write' } }, async (request, reply) => {
    const job = await findJob(request);
    if (job.state !== 'uploaded') return reply.redirect(`/console/import/${job.id}`, 303);
    const fields = chosenFields(request.body, job.header);
    try {
      const map = columnMap(job.header, fields);
      const parsed = await readVipCsv(await jobs.bytes(job.id), { map });
      const report = await importVips(deps.db, parsed, { actor: consoleActor(request.consoleSession!), dryRun: true, file: job.file });
      await jobs.reviewed(job.id, map);
      return render(request, reply, 'import-review', 'Import: review', {
        job: { id: job.id, file: job.file }, header: job.header, fields, report, shown: report.errors.slice(0, SHOWN_ERRORS),
      });
    } catch (error) {
      if (!(error instanceof AdminError)) throw error;
      return mappingPage(request, reply, job, fields, error.message, 400);
    }
  });

  app.post<{ Params: { id: string }; Body: unknown }>('/import/:id/confirm', { config: { consoleScope: 'vips:write' } }, async (request, reply) => {
    const job = await findJob(request);
    if (await jobs.claim(job.id)) void runImport(deps, jobs, job, consoleActor(request.consoleSession!));
    return reply.redirect(`/console/import/${job.id}`, 303);
  });

  app.get<{ Params: { id: string } }>('/import/:id', { config: { consoleScope: 'vips:write' } }, async (request, reply) => {
    const job = await findJob(request);
    return render(request, reply, 'import-progress', 'Import: progress', { job: jobStatus(job), report: job.report, shown: job.report?.errors.slice(0, SHOWN_ERRORS) ?? [] });
  });

  // What the progress page's script polls: counts only (never a row's content).
  app.get<{ Params: { id: string } }>('/import/:id/status', { config: { consoleScope: 'vips:write' } }, async (request) => jobStatus(await findJob(request)));
}

function jobStatus(job: ImportJob) {
  return { id: job.id, file: job.file, state: job.state, done: job.done, total: job.total, error: job.error };
}

/** The import itself, after the answer: checking the rows, then writing them in one transaction. */
async function runImport(deps: ApiDeps, jobs: ImportJobs, job: ImportJob, actor: ReturnType<typeof consoleActor>): Promise<void> {
  const progress = jobs.progress(job.id);
  try {
    // The mapping the dry run was reviewed with (claim only takes a reviewed job).
    const parsed = await readVipCsv(await jobs.bytes(job.id), { map: job.map ?? {}, onRows: (checked) => progress('checking', checked, null) });
    progress('writing', 0, parsed.rows.length, true);
    const report = await importVips(deps.db, parsed, { actor, file: job.file, onProgress: (done, total) => progress('writing', done, total) });
    await jobs.finish(job.id, { report });
    deps.lookup.invalidate();
    await deps.afterWrite?.();
  } catch (error) {
    if (!(error instanceof AdminError)) logger.error({ err: error, file: job.file }, `console import of ${job.file} failed`);
    const message = error instanceof AdminError ? error.message : 'the import failed and nothing was written; the server log has the details';
    await jobs.finish(job.id, { error: message }).catch((e: Error) => logger.error({ err: e }, 'cannot record a console import\'s failure'));
  }
}
