#!/usr/bin/env node
// Shim: run the compiled CLI; exitCode (not exit()) so stdout flushes before the process ends.
import { main, nodeIo } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2), nodeIo());
