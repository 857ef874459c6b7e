/**
 * Per-connect options: each platform declares the fields it takes with a schema; they are validated when a
 * connect starts (422 naming the field), prepared by the module (normalised, checked, discovered) and
 * stored on the session.
 */
import Ajv, { type ValidateFunction } from 'ajv';
import { type TSchema, Type } from 'typebox';
import { type ApiError, invalidField } from '../errors/catalog.ts';
import { failure, type Result, success } from '../oauth/result.ts';
import { platformApi } from '../platforms/api.ts';
import { allPlatforms } from '../platforms/registry.ts';
import type { ConnectOptions, PlatformModule } from '../platforms/types.ts';
import type { Runtime } from '../runtime.ts';

const ajv = new Ajv.default({ allErrors: true, strict: false, coerceTypes: false });
const validators = new WeakMap<PlatformModule, ValidateFunction>();

/**
 * Every platform's option fields, for the connect endpoint's schema (and so its documentation): each is
 * optional there and checked against its own platform when a connect starts.
 */
export function optionFields(): Record<string, TSchema> {
  const fields: Record<string, TSchema> = {};
  for (const module of allPlatforms()) {
    for (const [name, schema] of Object.entries(module.options?.schema.properties ?? {})) {
      const s = schema as TSchema & { description?: string };
      fields[name] = Type.Optional({
        ...s,
        description: `${module.name} only. ${s.description ?? ''}`.trim(),
      });
    }
  }
  return fields;
}

export interface PreparedOptions {
  options: ConnectOptions;
  instance: string;
}

/** Validates and prepares the option fields a caller sent for this platform. */
export async function prepareOptions(
  runtime: Runtime,
  module: PlatformModule,
  input: Record<string, unknown>,
): Promise<Result<PreparedOptions, ApiError>> {
  const spec = module.options;
  if (!spec) {
    const [name] = Object.keys(input);
    if (name) return failure(invalidField(name, `${module.name} takes no such option`));
    return success({ options: {}, instance: '' });
  }
  let validate = validators.get(module);
  if (!validate) {
    validate = ajv.compile(spec.schema);
    validators.set(module, validate);
  }
  if (!validate(input)) {
    const issue = validate.errors?.[0];
    const missing = (issue?.params as { missingProperty?: string; additionalProperty?: string }) ?? {};
    const field =
      missing.missingProperty ??
      missing.additionalProperty ??
      (issue?.instancePath.replace(/^\//, '').replaceAll('/', '.') || 'body');
    const message =
      issue?.keyword === 'additionalProperty' || missing.additionalProperty
        ? `${module.name} takes no such option`
        : (issue?.message ?? 'is invalid');
    return failure(invalidField(field, message));
  }
  const prepared = await spec.prepare(
    {
      api: platformApi(runtime.outbound),
      outbound: runtime.outbound,
      now: runtime.now(),
      allowPrivateHosts: runtime.config.allowPrivateInstances,
      sandbox: runtime.config.mode === 'sandbox',
    },
    input,
  );
  if (!prepared.ok) return failure(invalidField(prepared.failure.field, prepared.failure.message));
  return success({ options: prepared.value, instance: spec.instance(prepared.value) });
}
