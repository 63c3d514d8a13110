#!/usr/bin/env node
// Entry point for `npx squish` and the installed `squish` command: runs the compiled CLI.
import { main } from '../dist/cli/main.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error);
    process.exitCode = 1;
  },
);
