/**
 * The LLM providers create-glide can configure, in Glide's own config keys (snake_case, as
 * 0.1.0 reads them), each value read from an environment variable so secrets stay in `.env`.
 */
export const PROVIDERS = ['openai', 'anthropic', 'cohere', 'azureopenai', 'bedrock', 'octoml'] as const;
export type Provider = (typeof PROVIDERS)[number];
export const DEFAULT_PROVIDER: Provider = 'openai';

export interface ProviderField {
  /** The key under the provider in Glide's config. */
  readonly key: string;
  /** The environment variable it is read from (`${env:NAME}`). */
  readonly env: string;
  readonly label: string;
  /** Masked when asked for, never printed. */
  readonly secret: boolean;
}

export interface ProviderSpec {
  readonly title: string;
  readonly fields: readonly ProviderField[];
}

const apiKey = (env: string, title: string): ProviderField => ({ key: 'api_key', env, label: `${title} API key`, secret: true });

export const PROVIDER_SPECS: Readonly<Record<Provider, ProviderSpec>> = {
  openai: { title: 'OpenAI', fields: [apiKey('OPENAI_API_KEY', 'OpenAI')] },
  anthropic: { title: 'Anthropic', fields: [apiKey('ANTHROPIC_API_KEY', 'Anthropic')] },
  cohere: { title: 'Cohere', fields: [apiKey('COHERE_API_KEY', 'Cohere')] },
  octoml: { title: 'OctoML', fields: [apiKey('OCTOML_API_KEY', 'OctoML')] },
  azureopenai: {
    title: 'Azure OpenAI',
    fields: [
      apiKey('AZURE_OPENAI_API_KEY', 'Azure OpenAI'),
      { key: 'base_url', env: 'AZURE_OPENAI_ENDPOINT', label: 'Azure OpenAI endpoint (https://….openai.azure.com)', secret: false },
      { key: 'model', env: 'AZURE_OPENAI_MODEL', label: 'Azure OpenAI deployment (model) name', secret: false },
    ],
  },
  bedrock: {
    title: 'AWS Bedrock',
    fields: [
      apiKey('BEDROCK_API_KEY', 'Bedrock'),
      { key: 'base_url', env: 'BEDROCK_BASE_URL', label: 'Bedrock endpoint URL', secret: false },
      { key: 'access_key', env: 'AWS_ACCESS_KEY_ID', label: 'AWS access key id', secret: true },
      { key: 'secret_key', env: 'AWS_SECRET_ACCESS_KEY', label: 'AWS secret access key', secret: true },
      { key: 'aws_region', env: 'AWS_REGION', label: 'AWS region', secret: false },
    ],
  },
};
