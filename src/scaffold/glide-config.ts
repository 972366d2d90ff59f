/**
 * The text of the two files every project gets from the answers: Glide's `config.yaml` for the
 * chosen provider (keys read with `${env:…}`) and the `.env` that holds them. Pure.
 */
import { GlideError } from '#contract';
import { stringify } from 'yaml';
import { PROVIDER_SPECS, type Provider } from './providers.js';

export interface ProjectAnswers {
  readonly provider: Provider;
  /** Values by environment variable name; a missing one is written empty and named in the next steps. */
  readonly values: Readonly<Record<string, string>>;
  readonly port: number;
}

/** `host` is where Glide listens: loopback for the binary, every interface inside a container (whose port compose binds to loopback). */
export function glideConfig(answers: ProjectAnswers, host = '127.0.0.1'): string {
  const spec = PROVIDER_SPECS[answers.provider];
  const provider = Object.fromEntries(spec.fields.map((field) => [field.key, `\${env:${field.env}}`]));
  const config = {
    telemetry: { logging: { level: 'info', encoding: 'console' } },
    api: { http: { host, port: answers.port } },
    routers: {
      language: [{ id: DEMO_ROUTER, strategy: 'priority', models: [{ id: answers.provider, [answers.provider]: provider }] }],
    },
  };
  return `# Glide's configuration: https://glide.einstack.ai\n# Secrets are read from .env (never commit it).\n${stringify(config)}`;
}

/** The router's id: the chat endpoint is /v1/language/{id}/chat/. */
export const DEMO_ROUTER = 'default';

/**
 * dotenv lines that godotenv (Glide's loader), Compose v2 and Compose v1 (python-dotenv) all
 * read as written (decision 0029): plain values bare, any other single-quoted, where neither
 * godotenv nor Compose v2 expands `$` or escapes. A value single quotes cannot hold is refused,
 * and for `compose` one with `${`, which Compose v1 expands even in single quotes.
 */
export function dotenv(values: Readonly<Record<string, string>>, names: readonly string[], readBy: 'glide' | 'compose' = 'glide'): string {
  return names
    .map((name) => {
      const value = values[name] ?? '';
      if (/^[A-Za-z0-9_\-./+=:@,]*$/.test(value)) return `${name}=${value}\n`;
      const unreadable = /['\\\r\n]/.test(value)
        ? "a quote ('), a backslash or a line break"
        : readBy === 'compose' && value.includes('${')
          ? '`${`'
          : undefined;
      if (unreadable) {
        throw new GlideError(
          'EUSAGE',
          `The value of ${name} holds ${unreadable}: .env cannot hold it so that ${readBy === 'compose' ? 'Docker Compose' : 'Glide'} reads it as typed.`,
          [
            'Check that it is the key as your provider issued it (nothing stray pasted with it), and run again.',
            ...(readBy === 'compose' ? ['Or use --method binary: Glide itself reads `${` as typed.'] : []),
          ],
        );
      }
      return `${name}='${value}'\n`;
    })
    .join('');
}

/** The environment variables the provider's config reads. */
export function providerVariables(provider: Provider): string[] {
  return PROVIDER_SPECS[provider].fields.map((field) => field.env);
}
