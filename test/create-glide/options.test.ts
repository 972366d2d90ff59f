// create-glide's flags for the demo: which method, image and start each combination means,
// and each contradiction a usage error (exit 2) that names the flag.
import { describe, expect, it } from 'vitest';
import { isGlideError } from '#contract';
import { HELP, parseCreateOptions } from '../../src/create-glide/options.js';

function usageError(argv: string[]): string {
  try {
    parseCreateOptions(argv);
  } catch (error) {
    if (isGlideError(error) && error.code === 'EUSAGE') return [error.message, ...error.details].join('\n');
    throw error;
  }
  throw new Error(`${argv.join(' ')} was accepted`);
}

describe('create-glide demo options', () => {
  it.each([
    { argv: [], expected: { method: undefined, docker: undefined, start: undefined, template: undefined } },
    { argv: ['--method', 'binary'], expected: { method: 'binary', docker: undefined } },
    { argv: ['--method', 'docker'], expected: { method: 'docker', docker: { distro: 'alpine', image: 'ghcr.io/einstack/glide' } } },
    {
      argv: ['--method', 'docker', '--distro', 'distroless', '--image', '127.0.0.1:5000/glide'],
      expected: { method: 'docker', docker: { distro: 'distroless', image: '127.0.0.1:5000/glide' } },
    },
    // Both flags only make sense with Docker, so either one chooses it.
    { argv: ['--distro', 'ubuntu'], expected: { method: 'docker', docker: { distro: 'ubuntu', image: 'ghcr.io/einstack/glide' } } },
    { argv: ['--image', 'example.com/me/glide'], expected: { method: 'docker', docker: { distro: 'alpine', image: 'example.com/me/glide' } } },
    { argv: ['--start'], expected: { start: true } },
    { argv: ['--no-start'], expected: { start: false } },
    { argv: ['--template', 'github:einstack/glide-demo#main'], expected: { template: 'github:einstack/glide-demo#main' } },
  ])('$argv', ({ argv, expected }) => {
    const { method, docker, start, template } = parseCreateOptions(argv);
    expect({ method, docker, start, template }).toEqual({ method: undefined, docker: undefined, start: undefined, template: undefined, ...expected });
  });

  it.each([
    { argv: ['--method', 'podman'], names: '--method podman' },
    { argv: ['--method', 'binary', '--distro', 'alpine'], names: '--distro is for --method docker' },
    { argv: ['--method', 'binary', '--image', 'x.io/glide'], names: '--image is for --method docker' },
    { argv: ['--method', 'docker', '--distro', 'debian'], names: '--distro debian' },
    { argv: ['--method', 'docker', '--image', 'x.io/glide:0.1.0-alpine'], names: '--image x.io/glide:0.1.0-alpine names a tag' },
    { argv: ['--method', 'docker', '--image', 'x.io/Glide'], names: '--image x.io/Glide' },
    { argv: ['--method', 'docker', '--os', 'linux', '--arch', 'arm64'], names: '--os/--arch is for --method binary' },
    { argv: ['--method', 'docker', '--insecure-skip-verify'], names: '--insecure-skip-verify is for --method binary' },
    { argv: ['--start', '--no-start'], names: '--start and --no-start' },
  ])('$argv is a usage error naming the flag', ({ argv, names }) => {
    expect(usageError(argv)).toContain(names);
  });

  it('a tagged --image says what to pass instead', () => {
    expect(usageError(['--image', '127.0.0.1:5000/glide:0.1.0-alpine'])).toContain('--image 127.0.0.1:5000/glide,');
  });

  it('--help lists every demo flag', () => {
    for (const flag of ['--method binary|docker', '--distro D', '--image REPO', '--template T', '--start / --no-start']) expect(HELP).toContain(flag);
  });
});
