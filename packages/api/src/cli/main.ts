#!/usr/bin/env node
import { processIo } from './io.js';
import { createProgram } from './program.js';

await createProgram(processIo).parseAsync(process.argv);
