/**
 * One delivery attempt: a POST of compact JSON to the endpoint, with a timeout for the whole exchange, no
 * redirect followed (a 3xx is a failed attempt), and at most `MAX_RESPONSE_BYTES` of the answer read.
 * Unless private addresses are allowed, the address the request connects to is checked, on every attempt:
 * the check is in the connection's own DNS lookup, so a name cannot pass the check with one address and
 * connect to another (DNS rebinding).
 */
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { isLocalName, isPublicAddress, type Resolver } from '../outbound/public-address.ts';
import { parseRetryAfter } from '../outbound/retry.ts';

/** Enough of an answer for the delivery log; the rest is not read. */
const MAX_RESPONSE_BYTES = 1024;

export interface SendOptions {
  timeoutMs: number;
  allowPrivate: boolean;
  resolve: Resolver;
  /** A stopping worker: the attempt ends at once, unanswered. */
  signal?: AbortSignal | undefined;
}

export type SendResult =
  | { answered: true; status: number; latencyMs: number; body: string; retryAfterMs?: number | undefined }
  | { answered: false; latencyMs: number; error: string };

export class RefusedAddress extends Error {}

export function postDelivery(
  url: string,
  body: string,
  headers: Record<string, string>,
  options: SendOptions,
): Promise<SendResult> {
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  const target = new URL(url);
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!options.allowPrivate && (isLocalName(host) || (isIP(host) && !isPublicAddress(host)))) {
    return Promise.resolve({
      answered: false,
      latencyMs: 0,
      error: `refused: ${host} is not a public address`,
    });
  }
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', abandon);
      resolve(result);
    };
    const request = client.request(
      target,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'Portico-Webhooks/0.1',
          ...headers,
        },
        lookup: options.allowPrivate ? undefined : guardedLookup(options.resolve),
        // A fresh connection per attempt: a kept-alive socket would skip the address check.
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () =>
          finish({
            answered: true,
            status: response.statusCode ?? 0,
            latencyMs: latency(),
            body: Buffer.concat(chunks).toString('utf8').slice(0, MAX_RESPONSE_BYTES),
            retryAfterMs: parseRetryAfter(firstOf(response.headers['retry-after'])),
          });
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk.subarray(0, MAX_RESPONSE_BYTES - size));
          size += chunk.length;
          if (size >= MAX_RESPONSE_BYTES) {
            done();
            response.destroy();
          }
        });
        response.on('end', done);
        response.on('error', done);
      },
    );
    const timer = setTimeout(() => {
      request.destroy();
      finish({ answered: false, latencyMs: latency(), error: `no answer within ${options.timeoutMs} ms` });
    }, options.timeoutMs);
    const abandon = () => {
      request.destroy();
      finish({ answered: false, latencyMs: latency(), error: 'abandoned: Portico was stopping' });
    };
    // One listener per attempt on the worker's long-lived signal, removed when the attempt ends.
    options.signal?.addEventListener('abort', abandon, { once: true });
    request.on('error', (error) => {
      const refused = error instanceof RefusedAddress || error.cause instanceof RefusedAddress;
      finish({
        answered: false,
        latencyMs: latency(),
        error: refused
          ? `refused: ${error.message}`
          : `could not connect (${(error as NodeJS.ErrnoException).code ?? error.name})`,
      });
    });
    request.end(body);
  });
}

/** A DNS lookup for the connection that fails when any address of the name is not public. */
function guardedLookup(resolve: Resolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (found) => {
        const internal = found.find((a) => !isPublicAddress(a.address));
        if (found.length === 0 || internal) {
          const error = new RefusedAddress(
            internal
              ? `${hostname} resolves to ${internal.address}, not a public address`
              : `${hostname} has no address`,
          );
          callback(error as NodeJS.ErrnoException, '', 0);
          return;
        }
        const wanted =
          options.family === 6 || options.family === 4
            ? found.filter((a) => a.family === options.family)
            : found;
        if (options.all)
          callback(
            null,
            wanted.map((a) => ({ address: a.address, family: a.family })),
          );
        else callback(null, wanted[0]?.address ?? found[0]!.address, wanted[0]?.family ?? found[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}

function firstOf(header: string | string[] | undefined): string | null {
  return (Array.isArray(header) ? header[0] : header) ?? null;
}
