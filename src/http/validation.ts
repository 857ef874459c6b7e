/**
 * Request validation, in one place for every route. Query strings, path parameters and headers are text
 * on the wire, so their values are coerced to the schema's types (`?limit=5`); JSON bodies are not:
 * `{"name": 42}` is an error that names the field, never a silently accepted "42".
 *
 * On top of each route's schema, every string a request carries (values and keys, in the path, query and
 * body) is checked for NUL and unpaired surrogates: PostgreSQL stores neither in text or JSON, and no one
 * means them. A path parameter declared with `IdParam` must have the shape of the ids Portico makes
 * (`src/storage/ids.ts`); one that cannot be an id is 404, before any query.
 */
import Ajv, { type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler, FastifyServerOptions } from 'fastify';
import { type TString, Type } from 'typebox';
import { idPattern, isId } from '../storage/ids.ts';

/** What a path or field can name by id: the prefix its ids carry. */
export const ID_PREFIXES = {
  team: 'team',
  api_key: 'key',
  account: 'acc',
  webhook: 'whk',
  delivery: 'dlv',
} as const;
export type IdKind = keyof typeof ID_PREFIXES;

/** The keyword `IdParam` puts on its schema; its errors are 404, not 422 (see `http/errors.ts`). */
export const ID_KEYWORD = 'x-portico-id';

/** A path parameter naming one resource by id; a value that cannot be such an id is 404 NOT_FOUND. */
export function IdParam(kind: IdKind): TString {
  return Type.String({
    [ID_KEYWORD]: kind,
    description: `A ${kind.replace('_', ' ')} id: \`${ID_PREFIXES[kind]}_\` and 26 characters.`,
  });
}

/** A query or body field naming a resource by id; a value that cannot be such an id is 422 naming it. */
export function IdField(kind: IdKind, description: string): TString {
  return Type.String({ pattern: idPattern(ID_PREFIXES[kind]), description });
}

/** NUL (`\u0000`, `%00`) or a surrogate that is not half of a pair. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what this looks for.
const UNSAFE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSAFE_MESSAGE = 'must not contain NUL or unpaired surrogate characters';
const MAX_ISSUES = 20;

function pointer(path: string, key: string): string {
  return `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

/** Issues for every unsafe string in `data`, keys included, as Ajv reports them. Iterative: bodies nest deep. */
export function unsafeStrings(data: unknown): ErrorObject[] {
  const issues: ErrorObject[] = [];
  const queue: Array<[value: unknown, path: string]> = [[data, '']];
  for (let i = 0; i < queue.length && issues.length < MAX_ISSUES; i++) {
    const [value, path] = queue[i]!;
    if (typeof value === 'string') {
      if (UNSAFE.test(value)) issues.push(issue(path, UNSAFE_MESSAGE));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (UNSAFE.test(key)) issues.push(issue(path, `has a key that ${UNSAFE_MESSAGE}`));
        else queue.push([inner, pointer(path, key)]);
      }
    }
  }
  return issues;
}

function issue(instancePath: string, message: string): ErrorObject {
  return { keyword: 'characters', instancePath, schemaPath: '#', params: {}, message };
}

function checkId(kind: IdKind, data: string): boolean {
  const prefix = ID_PREFIXES[kind];
  if (prefix && isId(prefix, data)) return true;
  checkId.errors = [{ keyword: ID_KEYWORD, message: `is not a ${kind} id`, params: { resource: kind } }];
  return false;
}
checkId.errors = [] as Array<Partial<ErrorObject>>;

function portico(ajv: Ajv.default): Ajv.default {
  addFormats.default(ajv);
  ajv.addKeyword({
    keyword: ID_KEYWORD,
    type: 'string',
    schemaType: 'string',
    errors: true,
    validate: checkId,
  });
  return ajv;
}

const options: Options = { allErrors: true, removeAdditional: false, useDefaults: true, strict: false };
const forBodies = portico(new Ajv.default({ ...options, coerceTypes: false }));
const forText = portico(new Ajv.default({ ...options, coerceTypes: 'array' }));

/** The route's schema, then the string check; every issue of both is reported. */
function withSafeStrings(validate: ValidateFunction): ValidateFunction {
  const checked = ((data: unknown, context?: Parameters<ValidateFunction>[1]) => {
    const valid = validate(data, context);
    const unsafe = unsafeStrings(data);
    const issues = [...(validate.errors ?? []), ...unsafe];
    checked.errors = issues.length > 0 ? issues : null;
    return valid && unsafe.length === 0;
  }) as ValidateFunction;
  // Fastify passes the parent object (so Ajv may coerce a root value) only to functions that have this.
  Object.assign(checked, { schemaEnv: validate.schemaEnv, schema: validate.schema });
  return checked;
}

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  withSafeStrings((httpPart === 'body' ? forBodies : forText).compile(schema));

type SchemaController = NonNullable<FastifyServerOptions['schemaController']>;
type ValidatorFactory = NonNullable<NonNullable<SchemaController['compilersFactory']>['buildValidator']>;

/**
 * Fastify's `schemaController` option. Every context compiles with `validatorCompiler`, including those
 * that add schemas of their own: `setValidatorCompiler` does not reach those, Fastify rebuilds their
 * validator from this factory. (Its types say the factory returns Ajv's bare compile function; Fastify
 * calls what it returns the way it calls a `setValidatorCompiler` compiler.)
 */
export const schemaController: SchemaController = {
  compilersFactory: { buildValidator: (() => validatorCompiler) as unknown as ValidatorFactory },
};
