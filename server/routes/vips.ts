// VIP management: the list, one person, add, edit, remove, CSV import and export.
import type { FastifyInstance } from 'fastify';
import { parseColumnMap } from '../../admin/csv-columns.js';
import { exportVipsCsv } from '../../admin/csv-export.js';
import { importVips } from '../../admin/csv-import.js';
import { readVipCsv } from '../../admin/csv-reading.js';
import { AdminError } from '../../admin/errors.js';
import { addVip, editVip, removeVips } from '../../admin/vip-changes.js';
import { listVips, MAX_OFFSET, MAX_PAGE_SIZE, showVip } from '../../admin/vip-reads.js';
import { requestActor } from '../auth.js';
import { CSV_BODY_LIMIT, email, errors, secured, vipFields, vipView, type ApiDeps } from './common.js';

export async function vipRoutes(app: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
  app.get<{ Querystring: { search?: string; level?: number; all?: boolean; sort?: 'name' | 'level' | 'added'; desc?: boolean; limit?: number; offset?: number } }>('/v1/vips', {
    config: { scope: 'lookup' },
    schema: {
      summary: 'List VIPs: search by name/email/company, filter by level, sort, page', security: secured,
      querystring: {
        type: 'object', additionalProperties: false,
        properties: {
          search: { type: 'string', maxLength: 200 }, level: { type: 'integer', minimum: 1, maximum: 5 },
          all: { type: 'boolean', description: 'also people without a level' },
          sort: { type: 'string', enum: ['name', 'level', 'added'] }, desc: { type: 'boolean' },
          limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE }, offset: { type: 'integer', minimum: 0, maximum: MAX_OFFSET },
        },
      },
      response: { 200: { type: 'object', properties: { total: { type: 'integer' }, items: { type: 'array', items: vipView } } }, ...errors(400, 401, 403) },
    },
  }, async (request) => {
    return listVips(deps.db, request.query, requestActor(request));
  });

  app.get<{ Querystring: { level?: number } }>('/v1/vips/export', {
    config: { scope: 'admin' },
    schema: {
      summary: 'The VIP list as CSV (re-importable with POST /v1/vips/import)', security: secured,
      querystring: { type: 'object', additionalProperties: false, properties: { level: { type: 'integer', minimum: 1, maximum: 5 } } },
      response: { 200: { type: 'string', description: 'text/csv' }, ...errors(400, 401, 403) },
    },
  }, async (request, reply) => {
    const { csv } = await exportVipsCsv(deps.db, { level: request.query.level }, requestActor(request));
    return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="vips.csv"').send(csv);
  });

  app.get<{ Params: { email: string } }>('/v1/vips/:email', {
    config: { scope: 'lookup' },
    schema: {
      summary: 'One person on the list, with their level history', security: secured,
      params: { type: 'object', properties: { email } },
      response: { 200: { ...vipView, properties: { ...vipView.properties, levelChanges: { type: 'array', items: { type: 'object', additionalProperties: true } } } }, ...errors(400, 401, 403, 404) },
    },
  }, async (request) => showVip(deps.db, request.params.email, requestActor(request)));

  app.post<{ Body: { email: string; level: number } & Record<string, string | null> }>('/v1/vips', {
    config: { scope: 'vips:write' },
    schema: {
      summary: 'Add a VIP (a manual level)', security: secured,
      body: { type: 'object', additionalProperties: false, required: ['email', 'level'], properties: { email, level: { type: 'integer', minimum: 1, maximum: 5 }, ...vipFields } },
      response: { 201: vipView, ...errors(400, 401, 403, 409) },
    },
  }, async (request, reply) => reply.code(201).send(await addVip(deps.db, request.body, requestActor(request))));

  app.patch<{ Params: { email: string }; Body: { level?: number; clearOverride?: boolean } & Record<string, unknown> }>('/v1/vips/:email', {
    config: { scope: 'vips:write' },
    schema: {
      summary: 'Edit a VIP: level (a manual override), name, company, phone, notes; or clear the override', security: secured,
      params: { type: 'object', properties: { email } },
      body: {
        type: 'object', additionalProperties: false, minProperties: 1,
        properties: { level: { type: 'integer', minimum: 1, maximum: 5 }, clearOverride: { type: 'boolean' }, ...vipFields },
      },
      response: { 200: vipView, ...errors(400, 401, 403, 404) },
    },
  }, async (request) => editVip(deps.db, request.params.email, request.body as never, requestActor(request)));

  app.delete<{ Params: { email: string } }>('/v1/vips/:email', {
    config: { scope: 'vips:write' },
    schema: {
      summary: 'Remove a VIP an admin added (CRM people are changed in the CRM)', security: secured,
      params: { type: 'object', properties: { email } },
      response: { 204: { type: 'null' }, ...errors(400, 401, 403, 404, 409) },
    },
  }, async (request, reply) => {
    const result = await removeVips(deps.db, [request.params.email], requestActor(request));
    if (result.notFound.length) throw new AdminError('not_found', `${result.notFound[0]} is not on the VIP list`);
    if (result.refused.length) throw new AdminError('conflict', `${result.refused[0]!.email} ${result.refused[0]!.reason}`);
    return reply.code(204).send();
  });

  app.post<{ Querystring: { dryRun?: boolean; map?: string | string[]; file?: string }; Body: Buffer | undefined }>('/v1/vips/import', {
    config: { scope: 'vips:write' },
    bodyLimit: CSV_BODY_LIMIT,
    schema: {
      summary: 'Import a CSV (text/csv body): valid rows in one transaction, errors per row', security: secured,
      consumes: ['text/csv'],
      querystring: {
        type: 'object', additionalProperties: false,
        properties: {
          dryRun: { type: 'boolean' }, file: { type: 'string', maxLength: 200 },
          map: { anyOf: [{ type: 'string', maxLength: 200 }, { type: 'array', items: { type: 'string', maxLength: 200 }, maxItems: 20 }], description: 'column=field, repeatable' },
        },
      },
      // The bytes as sent (checked as UTF-8 row by row by the import), so no JSON Schema type.
      body: { description: 'the CSV file: UTF-8, a header row first' },
      response: { 200: { type: 'object', additionalProperties: true }, ...errors(400, 401, 403) },
    },
  }, async (request) => {
    const map = request.query.map === undefined ? [] : ([] as string[]).concat(request.query.map);
    const parsed = await readVipCsv(request.body ?? Buffer.alloc(0), { map: parseColumnMap(map) });
    return importVips(deps.db, parsed, { actor: requestActor(request), dryRun: request.query.dryRun, file: request.query.file });
  });
}
