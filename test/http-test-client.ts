// What the HTTP API tests use to talk to a server and to take its database away: a request with
// the answer as status, JSON and text, and a TCP proxy in front of PostgreSQL that can be stopped.
import { createServer, Socket, type Server } from 'node:net';

export interface Answer {
  status: number;
  /** The body as JSON ({} when it is not JSON, e.g. CSV). */
  json: Record<string, unknown>;
  text: string;
  headers: Headers;
}

export async function request(base: string, method: string, path: string, opts: { token?: string; body?: unknown; raw?: string; csv?: string | Uint8Array; contentType?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | Blob | undefined;
  if (opts.csv !== undefined) {
    headers['content-type'] = 'text/csv';
    body = typeof opts.csv === 'string' ? opts.csv : new Blob([opts.csv as Uint8Array<ArrayBuffer>]);
  } else if (opts.raw !== undefined) {
    headers['content-type'] = opts.contentType ?? 'application/json';
    body = opts.raw;
  } else if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  if (opts.contentType) headers['content-type'] = opts.contentType;
  if (path === '/mcp') headers.accept = 'application/json, text/event-stream';
  const response = await fetch(`${base}${path}`, { method, headers, body });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON (CSV)
  }
  return { status: response.status, json, text, headers: response.headers };
}

/** A TCP proxy in front of the test database that can be taken down, as a database host goes away. */
export async function startTcpProxy(databaseUrl: string): Promise<{ databaseUrl: string; port: number; stop(): Promise<void> }> {
  const target = new URL(databaseUrl);
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = new Socket();
    upstream.connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  let stopped = false;
  return {
    databaseUrl: url.toString(), port,
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
