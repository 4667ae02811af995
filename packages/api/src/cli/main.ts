#!/usr/bin/env node
import { processIo } from './io.js';
import { createProgram } from './program.js';

// A reader that stops early (`accrue export | head`) closes the pipe: that is the end of the output, not a crash.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

await createProgram(processIo).parseAsync(process.argv);
