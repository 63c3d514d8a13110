/**
 * Runs the CLI from source (`node --import tsx src/cli/bin.ts ...`), as bin/squish.js runs the
 * compiled one: the tests spawn this file.
 */
import { main } from './main.js';

process.exitCode = await main(process.argv);
