import { describe, expect, it } from 'vitest';
import { formatPublish } from '../../release/src/commands/publish.js';
import type { PublishImagesReport } from '../../release/src/images/publish.js';

const digest = (c: string) => `sha256:${c.repeat(64)}`;

describe('publish output', () => {
  const steps: PublishImagesReport['steps'] = [
    { kind: 'blob', digest: digest('1'), size: 10, action: 'push', mountFrom: 'library/alpine' },
    { kind: 'blob', digest: digest('2'), size: 20, action: 'identical' },
    { kind: 'manifest', digest: digest('3'), mediaType: 'application/vnd.oci.image.index.v1+json', action: 'push' },
    { kind: 'tag', tag: '0.1.0-alpine', digest: digest('3'), mediaType: 'application/vnd.oci.image.index.v1+json', moving: false, action: 'push' },
    {
      kind: 'tag',
      tag: 'latest',
      digest: digest('3'),
      mediaType: 'application/vnd.oci.image.index.v1+json',
      moving: true,
      action: 'push',
      previous: digest('9'),
    },
  ];
  const report = (dryRun: boolean): PublishImagesReport => ({
    repository: 'registry.test/glide',
    dryRun,
    images: [{ distro: 'alpine', digest: digest('3'), tags: ['0.1.0-alpine', 'latest'] }],
    steps,
  });

  it('a dry run says what it would push, each step on its line, then the totals', () => {
    expect(formatPublish(report(true), '0.1.0')).toBe(
      [
        `would push  blob ${digest('1')} (mount from library/alpine)`,
        `identical  blob ${digest('2')}`,
        `would push  manifest ${digest('3')}`,
        `would push  tag 0.1.0-alpine → ${digest('3')}`,
        `would push  tag latest → ${digest('3')} (was ${digest('9')})`,
        'dry run: 1 images of 0.1.0 in registry.test/glide: 4 pushes planned, 1 already there',
        '',
      ].join('\n'),
    );
  });

  it('a real run says what it pushed', () => {
    const text = formatPublish(report(false), '0.1.0');
    expect(text.split('\n')[0]).toBe(`pushed  blob ${digest('1')} (mount from library/alpine)`);
    expect(text).toContain('\n1 images of 0.1.0 in registry.test/glide: 4 pushes, 1 already there\n');
  });
});
