// The process bench/install measures: one installGlide from a loopback mirror into a fresh
// cache, with nothing else in it, so its peak RSS and CPU time are the installer's own.
// Bundled by bench/install.mjs into .cache/bench/install-runner.mjs.
//
//   node install-runner.mjs BASE_URL VERSION CACHE_DIR   prints the receipt as JSON
//   node install-runner.mjs --idle                       loads everything, installs nothing
import { installGlide } from '../src/install/index.js';
import { HttpClient } from '../src/net/http.js';
import { targetFromWords } from '../src/platform/detect.js';
import { releaseSource } from '../src/releases/source.js';

const [baseUrl, version, cacheDir] = process.argv.slice(2);

if (baseUrl !== '--idle') {
  if (!baseUrl || !version || !cacheDir) throw new Error('usage: install-runner BASE_URL VERSION CACHE_DIR | --idle');
  const client = new HttpClient({ proxy: {}, apiOrigin: 'https://api.github.com', userAgent: 'bench' });
  const source = releaseSource({
    repo: 'EinStack/glide',
    downloadBaseUrl: baseUrl,
    githubUrl: 'https://github.com',
    githubApiUrl: 'https://api.github.com',
    cwd: process.cwd(),
  });
  try {
    const result = await installGlide(
      { version, target: targetFromWords('linux', 'amd64'), runnable: false, source, cacheDir, insecureSkipVerify: false },
      { client },
    );
    process.stdout.write(`${JSON.stringify({ binary: result.binary, reused: result.reused, receipt: result.receipt })}\n`);
  } finally {
    await client.close();
  }
}
