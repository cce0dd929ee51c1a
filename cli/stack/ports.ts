import { createServer } from 'node:net';

/**
 * Asks the OS for a port nobody is listening on. The port is released before this returns,
 * so another process could take it first: callers that start a server on it should be ready
 * to retry with a new port.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error(`could not determine a free port on ${host}`));
      });
    });
  });
}
