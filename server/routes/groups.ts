// VIP groups: the groups with their handling (admin), who is in one (lookup), and admins'
// memberships (vips:write). The same functions as `vipsync groups` (admin/vip-groups.ts).
import type { FastifyInstance } from 'fastify';
import { AdminError } from '../../admin/errors.js';
import {
  addGroup, addGroupMembers, deleteGroup, editGroup, listGroupMembers, listGroups, removeGroupMembers,
} from '../../admin/vip-groups.js';
import { MAX_GROUP_GUIDANCE_LENGTH, MAX_GROUP_NAME_LENGTH, MAX_RESPONSE_TIME_MINUTES, PRIORITIES } from '../../vip/groups.js';
import { requestActor } from '../auth.js';
import { email, errors, secured, type ApiDeps } from './common.js';

const name = { type: 'string', minLength: 1, maxLength: MAX_GROUP_NAME_LENGTH, description: 'a group name (case aside)' } as const;
const handling = {
  priority: { type: 'string', enum: [...PRIORITIES] },
  responseTimeMinutes: { type: 'integer', minimum: 1, maximum: MAX_RESPONSE_TIME_MINUTES },
  escalationTeam: { type: ['string', 'null'], maxLength: 100 },
  guidance: { type: ['string', 'null'], maxLength: MAX_GROUP_GUIDANCE_LENGTH },
} as const;
const groupView = {
  type: 'object',
  additionalProperties: true,
  properties: {
    name: { type: 'string' }, ...handling, priority: { type: 'string' },
    members: { type: 'object', properties: { manual: { type: 'integer' }, csv: { type: 'integer' }, crm: { type: 'integer' } } },
    createdBy: { type: 'string' }, createdAt: { type: 'string', format: 'date-time' }, updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;
const anything = { type: 'object', additionalProperties: true } as const;
const nameParam = { type: 'object', properties: { name } } as const;

export async function groupRoutes(app: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
  app.get('/v1/groups', {
    config: { scope: 'lookup' },
    schema: {
      summary: 'The VIP groups with their handling and member counts, and groups the rules give people that no one defined', security: secured,
      response: {
        200: { type: 'object', properties: { groups: { type: 'array', items: groupView }, undefinedCrmGroups: { type: 'array', items: anything } } },
        ...errors(401, 403),
      },
    },
  }, async (request) => listGroups(deps.db, requestActor(request)));

  app.post<{ Body: { name: string; priority: string; responseTimeMinutes: number; escalationTeam?: string | null; guidance?: string | null } }>('/v1/groups', {
    config: { scope: 'admin' },
    schema: {
      summary: 'Define a VIP group and its handling', security: secured,
      body: { type: 'object', additionalProperties: false, required: ['name', 'priority', 'responseTimeMinutes'], properties: { name, ...handling } },
      response: { 201: groupView, ...errors(400, 401, 403, 409) },
    },
  }, async (request, reply) => reply.code(201).send(await addGroup(deps.db, request.body, requestActor(request))));

  app.patch<{ Params: { name: string }; Body: Record<string, unknown> }>('/v1/groups/:name', {
    config: { scope: 'admin' },
    schema: {
      summary: "Change a group's handling", security: secured, params: nameParam,
      body: { type: 'object', additionalProperties: false, minProperties: 1, properties: handling },
      response: { 200: groupView, ...errors(400, 401, 403, 404) },
    },
  }, async (request) => editGroup(deps.db, request.params.name, request.body, requestActor(request)));

  app.delete<{ Params: { name: string } }>('/v1/groups/:name', {
    config: { scope: 'admin' },
    schema: {
      summary: "Delete a group and admins' memberships of it (the rules' memberships give no handling any more)", security: secured,
      params: nameParam, response: { 200: anything, ...errors(400, 401, 403, 404) },
    },
  }, async (request) => deleteGroup(deps.db, request.params.name, requestActor(request)));

  app.get<{ Params: { name: string } }>('/v1/groups/:name/members', {
    config: { scope: 'lookup' },
    schema: {
      summary: "Everyone in a group: admins' memberships and the rules' (source crm)", security: secured,
      params: nameParam, response: { 200: anything, ...errors(400, 401, 403, 404) },
    },
  }, async (request) => listGroupMembers(deps.db, request.params.name, requestActor(request)));

  app.post<{ Params: { name: string }; Body: { emails: string[] } }>('/v1/groups/:name/members', {
    config: { scope: 'vips:write' },
    schema: {
      summary: 'Put people in a group by hand (people not on the list are added without a level)', security: secured,
      params: nameParam,
      body: { type: 'object', additionalProperties: false, required: ['emails'], properties: { emails: { type: 'array', minItems: 1, maxItems: 1000, items: email } } },
      response: { 200: anything, ...errors(400, 401, 403, 404) },
    },
  }, async (request) => addGroupMembers(deps.db, request.params.name, request.body.emails, requestActor(request)));

  app.delete<{ Params: { name: string; email: string } }>('/v1/groups/:name/members/:email', {
    config: { scope: 'vips:write' },
    schema: {
      summary: "Take an admin's membership away (409 when only the rules put the person in the group: change it in the CRM)", security: secured,
      params: { type: 'object', properties: { name, email } }, response: { 200: anything, ...errors(400, 401, 403, 404, 409) },
    },
  }, async (request) => {
    const result = await removeGroupMembers(deps.db, request.params.name, [request.params.email], requestActor(request));
    if (result.notMembers.length > 0) throw new AdminError('not_found', `${result.notMembers[0]} is not a member of group "${result.group}"`);
    if (result.removed.length === 0) {
      throw new AdminError('conflict', `${result.stillByCrm[0]} is in group "${result.group}" by the rules from CRM facts, not by an admin; change it in the CRM`);
    }
    return result;
  });
}
