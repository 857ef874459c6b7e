/** A stand-in for the app's own site: records every request that lands on it (the return_url). */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReturnServer {
  url: string;
  /** Every URL that was requested, newest last. */
  hits: URL[];
  close(): Promise<void>;
}

export async function startReturnServer(): Promise<ReturnServer> {
  const hits: URL[] = [];
  const server = createServer((req, res) => {
    hits.push(new URL(req.url ?? '/', 'http://127.0.0.1'));
    res
      .writeHead(200, { 'content-type': 'text/html' })
      .end('<!doctype html><title>Back in the app</title><h1>Back in the app</h1>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
