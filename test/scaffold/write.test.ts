// Writing a demo into a folder that already has things: nested template paths never pass through a link.
import { mkdir, mkdtemp, readdir, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLED_TEMPLATE } from '../../src/scaffold/bundled-template.js';
import { demoProjectFiles } from '../../src/scaffold/demo.js';
import { planProjectWrite, writeProject } from '../../src/scaffold/write.js';

const files = demoProjectFiles(
  { provider: 'openai', values: { OPENAI_API_KEY: 'sk-x' }, port: 9099, method: 'docker', glideVersion: '0.1.0', image: 'ghcr.io/einstack/glide:0.1.0-alpine' },
  BUNDLED_TEMPLATE,
);

describe('a nested project file never lands outside the project', () => {
  it.each([
    ['a folder that is a symbolic link out of the project', 'link'],
    ['a folder that is a plain file', 'file'],
  ])('refuses %s, before writing anything', async (_, kind) => {
    const root = await mkdtemp(join(tmpdir(), 'write-'));
    const project = join(root, 'project');
    const outside = join(root, 'outside');
    await mkdir(project);
    await mkdir(outside);
    await writeFile(join(project, 'notes.txt'), 'mine\n');
    if (kind === 'link') await symlink(outside, join(project, 'observability'));
    else await writeFile(join(project, 'observability'), 'not a folder\n');

    const attempt = planProjectWrite(project, files).then((actions) => writeProject(project, actions));
    await expect(attempt).rejects.toMatchObject({ code: 'EPROJECTDIR', message: expect.stringContaining('observability') });
    expect(await readdir(outside)).toEqual([]);
    expect((await readdir(project)).sort()).toEqual(['notes.txt', 'observability']);
  });

  it('writes the nested files into a folder that has none of them', async () => {
    const project = await mkdtemp(join(tmpdir(), 'write-'));
    await writeFile(join(project, 'notes.txt'), 'mine\n');
    await writeProject(project, await planProjectWrite(project, files));
    expect((await readdir(join(project, 'observability'), { recursive: true })).sort()).toEqual(['grafana', 'grafana/datasources.yaml', 'otel-collector.yaml']);
  });
});
