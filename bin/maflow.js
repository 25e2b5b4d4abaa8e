#!/usr/bin/env node
// The `maflow` command: registers tsx so that Node runs the TypeScript sources directly, then starts the CLI.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
