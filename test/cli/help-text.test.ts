import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { REPO_ROOT } from '../support/fixtures.js';

async function program(): Promise<Command> {
  const root = new Command('zeroshot');
  const dir = path.join(REPO_ROOT, 'dist', 'src', 'cli', 'commands');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.js'))) {
    const mod = (await import(path.join(dir, file))) as { register?(p: Command): void };
    mod.register?.(root);
  }
  return root;
}

function walk(cmd: Command, out: Command[] = []): Command[] {
  for (const c of cmd.commands) {
    out.push(c);
    walk(c, out);
  }
  return out;
}

describe('help text is consistent', () => {
  it('every command says what it does in a sentence that starts with a capital letter', async () => {
    const bad = walk(await program())
      .filter((c) => !/^[A-Z]/.test(c.description()))
      .map((c) => `${c.name()}: ${JSON.stringify(c.description())}`);
    assert.deepEqual(bad, []);
  });

  it('no option states its default twice (our text and commander’s "(default: …)")', async () => {
    const twice: string[] = [];
    for (const c of walk(await program())) {
      for (const o of c.options) {
        if (o.defaultValue !== undefined && /\bdefault\b/i.test(o.description))
          twice.push(`${c.name()} ${o.flags}`);
      }
    }
    assert.deepEqual(twice, []);
  });
});
