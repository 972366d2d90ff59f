/**
 * The files of a binary-method project: Glide's config, the `.env` it loads (mode 0600),
 * and a `.gitignore` that keeps secrets out of git. Pure: returns the files, writes nothing.
 */
import { stringify } from 'yaml';
import { PROVIDER_SPECS, type Provider } from './providers.js';

export interface ProjectFile {
  readonly path: string;
  readonly content: string;
  readonly mode: number;
  /** Holds secrets: its content is never printed, not even in a dry run. */
  readonly secret?: boolean;
}

export interface ProjectAnswers {
  readonly provider: Provider;
  /** Values by environment variable name; a missing one is written empty and named in the next steps. */
  readonly values: Readonly<Record<string, string>>;
  readonly port: number;
}

export function glideConfig(answers: ProjectAnswers): string {
  const spec = PROVIDER_SPECS[answers.provider];
  const provider = Object.fromEntries(spec.fields.map((field) => [field.key, `\${env:${field.env}}`]));
  const config = {
    telemetry: { logging: { level: 'info', encoding: 'console' } },
    api: { http: { host: '127.0.0.1', port: answers.port } },
    routers: {
      language: [{ id: 'default', strategy: 'priority', models: [{ id: answers.provider, [answers.provider]: provider }] }],
    },
  };
  return `# Glide's configuration: https://glide.einstack.ai\n# Secrets are read from .env (never commit it).\n${stringify(config)}`;
}

/** dotenv lines; values that need it are double-quoted the way godotenv (Glide's loader) reads them. */
export function dotenv(values: Readonly<Record<string, string>>, names: readonly string[]): string {
  return names
    .map((name) => {
      const value = values[name] ?? '';
      const plain = /^[A-Za-z0-9_\-./+=:@,]*$/.test(value);
      return `${name}=${plain ? value : JSON.stringify(value)}\n`;
    })
    .join('');
}

export function binaryProjectFiles(answers: ProjectAnswers): ProjectFile[] {
  const names = PROVIDER_SPECS[answers.provider].fields.map((field) => field.env);
  return [
    { path: 'config.yaml', content: glideConfig(answers), mode: 0o644 },
    { path: '.env', content: dotenv(answers.values, names), mode: 0o600, secret: true },
    { path: '.gitignore', content: '.env\nsecrets/\n', mode: 0o644 },
  ];
}

/** Variables the user still has to fill in `.env`. */
export function missingValues(answers: ProjectAnswers): string[] {
  return PROVIDER_SPECS[answers.provider].fields.map((field) => field.env).filter((name) => !answers.values[name]);
}
