import type { Command } from 'commander';

// Placeholder: replaced by the module that implements the 'worker' commands.
export function register(_program: Command): void {}
