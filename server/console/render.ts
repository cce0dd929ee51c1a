// How a console page is answered: rendered in the layout with who is signed in, and the redirect
// after a POST with a notice shown once on the next page.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { can, type ConsoleSession } from './session.js';

const NOTICE_COOKIE = 'vipsync_notice';

/** What every page's layout reads about who is signed in. */
function sessionView(session: ConsoleSession | undefined) {
  if (!session) return null;
  return {
    tokenName: session.tokenName, scopes: session.scopes, csrf: session.csrf,
    canLookup: can(session, 'lookup'), canNotes: can(session, 'notes:read'), canWrite: can(session, 'vips:write'), canAdmin: can(session, 'admin'),
  };
}

/** Renders a page in the layout, with the signed-in session and the notice of the last redirect. */
export async function render(request: FastifyRequest, reply: FastifyReply, page: string, title: string, data: Record<string, unknown> = {}) {
  const notice = request.cookies[NOTICE_COOKIE];
  if (notice) reply.clearCookie(NOTICE_COOKIE, { path: '/console' });
  const html = await reply.viewAsync(page, { ...data, title, notice: notice ?? null, session: sessionView(request.consoleSession), path: request.url });
  return reply.type('text/html; charset=utf-8').send(html);
}

/** Redirects after a POST (303: the browser GETs the page), with a notice shown there once. */
export function redirectWith(reply: FastifyReply, to: string, notice?: string) {
  if (notice) reply.setCookie(NOTICE_COOKIE, notice.slice(0, 1000), { path: '/console', httpOnly: true, sameSite: 'strict' });
  return reply.redirect(to, 303);
}

