// The VIP console: server-rendered pages under /console (eta templates, a little plain JavaScript
// for the notes counter, select-all, dialogs and import progress; nothing to build), signed in
// with an API token (session.ts), on the same admin services and scopes as the HTTP API.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import view from '@fastify/view';
import { Eta } from 'eta';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { AdminError } from '../../admin/errors.js';
import { SCOPES, type Scope } from '../../admin/tokens.js';
import { InvalidEmailError } from '../../lookup/service.js';
import { logger } from '../../runtime/logger.js';
import { CSV_BODY_LIMIT, type ApiDeps } from '../routes/common.js';
import { formText, safeNext } from './forms.js';
import { importPages } from './import-pages.js';
import { opsPages } from './ops-pages.js';
import { personPages } from './person-pages.js';
import { personExtraPages } from './person-extras.js';
import { groupPages } from './group-pages.js';
import { render } from './render.js';
import { can, readSession, sameSecret, sentCsrf, signIn, signInCsrf, signOut, SIGN_IN_COOKIE, type ConsoleSession } from './session.js';
import { vipPages } from './vip-pages.js';

declare module 'fastify' {
  interface FastifyRequest {
    consoleSession?: ConsoleSession;
  }
}

const VIEWS = fileURLToPath(new URL('./views/', import.meta.url));
const ASSETS: Record<string, { type: string; body: string }> = Object.fromEntries(
  [['console.js', 'text/javascript; charset=utf-8'], ['console.css', 'text/css; charset=utf-8']].map(([name, type]) => [
    name!, { type: type!, body: readFileSync(new URL(`./assets/${name}`, import.meta.url), 'utf8') },
  ]),
);
// No inline script or style anywhere: a value that slipped past escaping still could not run.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * What a console route needs: a scope, or 'session' for any signed-in session (sign-out); none for
 * the public ones (the sign-in page and the assets).
 */
const scopeOf = (request: FastifyRequest) => request.routeOptions.config.consoleScope as Scope | 'session' | undefined;

export async function consolePlugin(app: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
  // The console's pages are not part of the API: the OpenAPI document leaves them out.
  app.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, hide: true };
  });
  await app.register(cookie);
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  await app.register(multipart, { limits: { fileSize: CSV_BODY_LIMIT, files: 1, fields: 20 } });
  await app.register(view, { engine: { eta: new Eta({ views: VIEWS, cache: true }) }, root: VIEWS, production: true });

  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('content-security-policy', CSP).header('x-content-type-options', 'nosniff').header('referrer-policy', 'same-origin');
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    // A change made here is seen by this server's very next lookup (as the API's writes are), also
    // when the answer is the redirect to the page that shows it.
    if (request.method === 'POST' && request.consoleSession && reply.statusCode < 400) {
      deps.lookup.invalidate();
      await deps.afterWrite?.();
    }
    return payload;
  });

  // Who is signed in, and may they: every route but the sign-in page and the assets needs a
  // session, every POST its CSRF secret, and each route the scope it names.
  app.addHook('preHandler', async (request, reply) => {
    const scope = scopeOf(request);
    if (!scope) return;
    const session = await readSession(deps.db, request);
    if (!session) {
      if (request.method === 'GET') return reply.redirect(`/console/sign-in?next=${encodeURIComponent(request.url)}`, 303);
      return render(request, reply.code(401), 'message', 'Signed out', { heading: 'Your session has ended', message: 'Sign in again with your API token; nothing was changed.' });
    }
    request.consoleSession = session;
    // Multipart forms carry their secret as a field the upload handler checks (import-pages.ts).
    if (request.method === 'POST' && !request.isMultipart() && !sameSecret(sentCsrf(request), session.csrf)) {
      return render(request, reply.code(403), 'message', 'Refused', { heading: 'This form has expired', message: 'The form was not sent from this session (CSRF check). Reload the page and try again; nothing was changed.' });
    }
    if (scope !== 'session' && !can(session, scope)) {
      return render(request, reply.code(403), 'message', 'Not allowed', {
        heading: 'Your token cannot do this', message: `This needs the "${scope}" scope; token "${session.tokenName}" has ${session.scopes.join(', ')}.`,
      });
    }
  });

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const known = error instanceof AdminError || error instanceof InvalidEmailError;
    const status = error instanceof AdminError ? (error.kind === 'not_found' ? 404 : error.kind === 'conflict' ? 409 : 400)
      : known ? 400 : error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    if (status >= 500) logger.error({ err: error, requestId: request.id, route: request.routeOptions.url }, `console ${request.method} ${request.url}: ${error.message}`);
    return render(request, reply.code(status), 'message', 'Error', {
      heading: status === 404 ? 'Not found' : status >= 500 ? 'Something went wrong' : 'That did not work',
      message: status >= 500 ? `The server failed (request ${request.id}); the log has the details. Try again shortly.` : error.message,
    });
  });
  app.setNotFoundHandler(async (request, reply) =>
    render(request, reply.code(404), 'message', 'Not found', { heading: 'Not found', message: `There is no console page ${request.url.split('?')[0]}.` }));

  app.get<{ Params: { file: string } }>('/assets/:file', async (request, reply) => {
    const asset = ASSETS[request.params.file];
    if (!asset) return reply.code(404).type('text/plain').send('no such asset');
    return reply.type(asset.type).header('cache-control', 'public, max-age=300').send(asset.body);
  });

  app.get('/', { config: { consoleScope: 'session' } }, async (_request, reply) => reply.redirect('/console/vips', 303));

  app.get<{ Querystring: { next?: string } }>('/sign-in', async (request, reply) => {
    const session = await readSession(deps.db, request);
    if (session) return reply.redirect(safeNext(request.query.next), 303);
    return render(request, reply, 'sign-in', 'Sign in', { csrf: signInCsrf(request, reply), next: safeNext(request.query.next), error: null, scopes: SCOPES });
  });

  app.post<{ Body: Record<string, unknown> }>('/sign-in', async (request, reply) => {
    const next = safeNext(formText(request.body, 'next'));
    const expected = request.cookies[SIGN_IN_COOKIE];
    if (!expected || !sameSecret(formText(request.body, '_csrf'), expected)) {
      return render(request, reply.code(403), 'sign-in', 'Sign in', { csrf: signInCsrf(request, reply), next, error: 'The sign-in form expired; please sign in again.', scopes: SCOPES });
    }
    const session = await signIn(deps.db, request, reply, formText(request.body, 'token'));
    if (!session) {
      return render(request, reply.code(401), 'sign-in', 'Sign in', { csrf: expected, next, error: 'That token is unknown or revoked. Create one with `vipsync token create NAME --scopes lookup`.', scopes: SCOPES });
    }
    return reply.redirect(next, 303);
  });

  app.post('/sign-out', { config: { consoleScope: 'session' } }, async (request, reply) => {
    await signOut(deps.db, reply, request.consoleSession!);
    return reply.redirect('/console/sign-in', 303);
  });

  await app.register(vipPages, { deps });
  await app.register(personPages, { deps });
  await app.register(importPages, { deps });
  await app.register(opsPages, { deps });
  await app.register(personExtraPages, { deps });
  await app.register(groupPages, { deps });
}
