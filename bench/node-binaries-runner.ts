// Prints {version: path} for the Node releases bench/time-to-healthy runs create-glide on: the
// current lines users run (the tests' CURRENT_NODES), fetched once into .cache/ as the tests do.
import { CURRENT_NODES, nodeBinary } from '../test/packaging/node-binaries.js';

const paths = Object.fromEntries(await Promise.all(CURRENT_NODES.map(async (version) => [version, await nodeBinary(version)] as const)));
process.stdout.write(`${JSON.stringify(paths)}\n`);
