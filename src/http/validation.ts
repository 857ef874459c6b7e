/**
 * Request validation. Query strings, path parameters and headers are text on the wire, so their values
 * are coerced to the schema's types (`?limit=5`); JSON bodies are not: `{"name": 42}` is an error that
 * names the field, never a silently accepted "42".
 */
import Ajv, { type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const options: Options = { allErrors: true, removeAdditional: false, useDefaults: true, strict: false };
const forBodies = addFormats.default(new Ajv.default({ ...options, coerceTypes: false }));
const forText = addFormats.default(new Ajv.default({ ...options, coerceTypes: 'array' }));

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? forBodies : forText).compile(schema);
