import { createServer } from 'node:net';

/**
 * Asks the kernel for an unused loopback port. The port is released before the caller binds it, so a race with
 * another process is possible; callers treat "address in use" at start-up as a retryable failure.
 */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not determine a free loopback port'));
        return;
      }
      const { port } = address;
      server.close(() => resolve(port));
    });
  });
}
