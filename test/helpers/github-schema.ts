import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import ajvFormats from 'ajv-formats';
import { OpenAPIBackend, type Document, type Operation } from 'openapi-backend';

/**
 * The GitHub REST schema (`@octokit/openapi`, api.github.com) as the stand-in's referee: it names
 * the operation a request is for and says whether a request or a response breaks the schema.
 * Validators compile lazily, one operation at a time, so a test pays only for the routes it calls.
 */

export interface SchemaViolation {
  readonly direction: 'request' | 'response';
  readonly operation: string;
  readonly method: string;
  readonly path: string;
  readonly status?: number;
  /** Ajv's findings, `instancePath: message`. */
  readonly errors: readonly string[];
}

export interface SchemaRequest {
  readonly method: string;
  /** Path without the query, as the spec writes it: `/repos/{owner}/{repo}/…`. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  /** The parsed JSON body; undefined for GET, DELETE and uploads (their body is the file). */
  readonly body?: unknown;
}

export interface GitHubSchema {
  /** The operationId (`repos/get-release-by-tag`) or undefined for a path the REST API does not have. */
  operationOf(method: string, path: string): string | undefined;
  validateRequest(request: SchemaRequest): readonly string[];
  /** An empty body (204, 302) is checked as the `null` the spec declares for it. */
  validateResponse(operation: string, status: number, body: unknown): readonly string[];
}

let loaded: Promise<GitHubSchema> | undefined;

/** One schema per process: parsing the 10 MB document costs a few hundred milliseconds. */
export function loadGitHubSchema(): Promise<GitHubSchema> {
  loaded ??= build();
  return loaded;
}

async function build(): Promise<GitHubSchema> {
  const file = createRequire(import.meta.url).resolve('@octokit/openapi/generated/api.github.com.json');
  const definition = JSON.parse(await readFile(file, 'utf8')) as Document;
  const backend = new OpenAPIBackend({
    definition,
    quick: true,
    coerceTypes: true,
    // Formats (uri, date-time) are checked too: a stand-in URL or timestamp a client cannot parse is a bug.
    customizeAjv: (ajv) => {
      ajvFormats.default(ajv);
      return ajv;
    },
  });
  await backend.init();
  const findings = (errors: { instancePath?: string; message?: string }[] | null | undefined) =>
    (errors ?? []).map((error) => `${error.instancePath || '/'}: ${error.message ?? 'invalid'}`);
  const match = (method: string, path: string): Operation | undefined =>
    backend.router.matchOperation({ method: method.toLowerCase(), path, headers: {}, query: {} }) || undefined;

  return {
    operationOf: (method, path) => match(method, path)?.operationId,
    validateRequest(request) {
      const operation = match(request.method, request.path);
      if (!operation) return [];
      const result = backend.validator.validateRequest(
        { method: request.method.toLowerCase(), path: request.path, query: { ...request.query }, headers: { ...request.headers }, body: request.body },
        operation,
      );
      return findings(result.errors);
    },
    validateResponse(operation, status, body) {
      return findings(backend.validator.validateResponse(body === undefined ? null : body, operation, status).errors);
    },
  };
}
