import type { Command } from 'commander';

// Placeholder: replaced by the module that implements the 'model' commands.
export function register(_program: Command): void {}
