/**
 * `Idempotency-Key` (or `X-Idempotency-Key`) on POST: the same key with the same request returns the
 * stored response; with another request, 409 IDEMPOTENCY_KEY_REUSED. Records live 24 hours, per API key.
 * Stored responses are encrypted: they can hold secrets (a new API key, a connect link's state token).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError, invalidField } from '../errors/catalog.ts';
import type { Runtime } from '../runtime.ts';
import { sha256Hex } from '../storage/ids.ts';
import { principalOf } from './auth.ts';

const TTL_MS = 24 * 60 * 60 * 1000;

declare module 'fastify' {
  interface FastifyRequest {
    idempotencyKey?: string;
  }
}

function keyOf(request: FastifyRequest): string | undefined {
  const value = request.headers['idempotency-key'] ?? request.headers['x-idempotency-key'];
  if (value === undefined) return undefined;
  const key = String(value);
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw invalidField('Idempotency-Key', 'must be 1 to 255 visible ASCII characters');
  }
  return key;
}

export function installIdempotency(app: FastifyInstance, runtime: Runtime): void {
  const { db, keyring } = runtime;

  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST') return;
    const key = keyOf(request);
    if (!key) return;
    const apiKeyId = principalOf(request).keyId;
    const requestHash = sha256Hex(
      `${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`,
    );
    const now = runtime.now();
    await db
      .deleteFrom('idempotency_records')
      .where('api_key_id', '=', apiKeyId)
      .where('key', '=', key)
      .where('expires_at', '<=', now)
      .execute();
    const claimed = await db
      .insertInto('idempotency_records')
      .values({
        api_key_id: apiKeyId,
        key,
        request_hash: requestHash,
        expires_at: new Date(now.getTime() + TTL_MS),
      })
      .onConflict((oc) => oc.doNothing())
      .returning('key')
      .executeTakeFirst();
    if (claimed) {
      request.idempotencyKey = key;
      return;
    }
    const record = await db
      .selectFrom('idempotency_records')
      .selectAll()
      .where('api_key_id', '=', apiKeyId)
      .where('key', '=', key)
      .executeTakeFirstOrThrow();
    if (record.request_hash !== requestHash) {
      throw new ApiError(
        'IDEMPOTENCY_KEY_REUSED',
        'This Idempotency-Key was already used with a different request',
      );
    }
    if (record.status_code === null || record.response_body === null) {
      throw new ApiError(
        'IDEMPOTENCY_REQUEST_IN_PROGRESS',
        'A request with this Idempotency-Key is still running',
      );
    }
    const stored = keyring.decrypt(String(record.response_body), `idempotency:${apiKeyId}:${key}`);
    reply.header('idempotent-replayed', 'true').header('content-type', 'application/json; charset=utf-8');
    return reply.code(record.status_code).send(stored);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const key = request.idempotencyKey;
    if (!key) return payload;
    const apiKeyId = principalOf(request).keyId;
    const where = db
      .updateTable('idempotency_records')
      .where('api_key_id', '=', apiKeyId)
      .where('key', '=', key)
      .where('status_code', 'is', null);
    if (reply.statusCode >= 500 || typeof payload !== 'string') {
      // Nothing worth replaying: free the key so a retry can run.
      await db
        .deleteFrom('idempotency_records')
        .where('api_key_id', '=', apiKeyId)
        .where('key', '=', key)
        .execute();
      return payload;
    }
    const sealed = keyring.encrypt(payload, `idempotency:${apiKeyId}:${key}`);
    await where.set({ status_code: reply.statusCode, response_body: JSON.stringify(sealed) }).execute();
    return payload;
  });
}
