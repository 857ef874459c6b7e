/** Writes docs/errors.md from the error catalog (`npm run docs:errors`); a test keeps the two in step. */
import { writeFile } from 'node:fs/promises';
import { apiErrors, connectErrors } from '../src/errors/catalog.ts';

export function errorsMarkdown(): string {
  const api = Object.entries(apiErrors)
    .map(([code, e]) => `| \`${code}\` | ${e.status} | ${e.meaning} |`)
    .join('\n');
  const connect = Object.entries(connectErrors)
    .map(([code, meaning]) => `| \`${code}\` | ${meaning} |`)
    .join('\n');
  return `# Errors

<!-- Generated from src/errors/catalog.ts by \`npm run docs:errors\`. Do not edit by hand. -->

## API errors

The headless API (\`/v1/...\`) answers errors as
\`{"success": false, "error": {"code", "message", "details"}, "meta": {"request_id", "timestamp"}}\`.
The hosted product's API (\`/api/v1\`, [hosted-api.md](hosted-api.md)) answers in that product's shape,
\`{"statusCode", "message", "error", "issues": [{"code", "message", "path"}]}\`, where \`error\` is the code
below; there every 422 below is 400, as that product answers bad input. Validation errors name the field
(\`details.field\`, \`issues[].path\`).
Every response carries \`x-request-id\`; quote it when reporting a problem.

| Code | Status | Meaning |
| --- | --- | --- |
${api}

## Connect outcomes

A connect attempt that fails sends the user to \`return_url?error=<code>&platform=<id>\`; polling
\`GET /v1/social/connect/{state_token}\` shows the same code in \`error.code\`.

| Code | Meaning |
| --- | --- |
${connect}
`;
}

if (import.meta.main) {
  await writeFile(new URL('../docs/errors.md', import.meta.url), errorsMarkdown());
  console.log('wrote docs/errors.md');
}
