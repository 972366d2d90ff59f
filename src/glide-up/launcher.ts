#!/usr/bin/env node
// The package's bin: checks the Node version, then loads the CLI (decision 0016). No top-level
// await, so that even a Node too old for it (12) parses this file and gets the one-line refusal.
import { launchOnSupportedNode } from '../platform/node-version.js';

declare const NODE_FLOOR: string;

void launchOnSupportedNode('glide-up', NODE_FLOOR, () => import('./bin.js'));
