import { describe, expect, it } from 'vitest';
import { nodeVersionRefusal } from '../../src/platform/node-version.js';

describe('nodeVersionRefusal', () => {
  it.each([
    ['18.20.8', true],
    ['20.11.1', true],
    // Compared as versions, not strings: "20.9.0" > "20.18.1" as text.
    ['20.9.0', true],
    ['20.18.0', true],
    ['20.18.1', false],
    ['20.20.2', false],
    ['22.0.0', false],
    ['24.22.3', false],
  ])('Node %s refused: %s', (running, refused) => {
    const refusal = nodeVersionRefusal('create-glide', '20.18.1', running);
    if (refused) expect(refusal).toBe(`create-glide needs Node ≥ 20.18.1; this is ${running}. Install a current Node (https://nodejs.org/) and run it again.`);
    else expect(refusal).toBeUndefined();
  });
});
