/**
 * templates/demo, inlined into create-glide's bundle as text (scripts/bundle.ts): the default
 * template needs no network and no file beside the bundle (decision 0025). Every file of
 * templates/demo is listed here; test/scaffold/demo.test.ts fails on one left out.
 */
import envExample from '../../templates/demo/.env.example?raw';
import gitignore from '../../templates/demo/.gitignore?raw';
import readme from '../../templates/demo/README.md?raw';
import compose from '../../templates/demo/compose.yaml?raw';
import grafanaDatasources from '../../templates/demo/observability/grafana/datasources.yaml?raw';
import otelCollector from '../../templates/demo/observability/otel-collector.yaml?raw';
import type { DemoTemplate } from './demo.js';

export const BUNDLED_TEMPLATE: DemoTemplate = {
  source: 'the bundled demo',
  files: [
    { path: '.env.example', content: envExample, mode: 0o644 },
    { path: '.gitignore', content: gitignore, mode: 0o644 },
    { path: 'README.md', content: readme, mode: 0o644 },
    { path: 'compose.yaml', content: compose, mode: 0o644 },
    { path: 'observability/grafana/datasources.yaml', content: grafanaDatasources, mode: 0o644 },
    { path: 'observability/otel-collector.yaml', content: otelCollector, mode: 0o644 },
  ],
};
