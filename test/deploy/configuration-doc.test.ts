import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { WORKER_OPTIONS } from '../../src/worker/config.js';
import { REPO_ROOT } from '../support/fixtures.js';

const DOC = readFileSync(path.join(REPO_ROOT, 'docs/CONFIGURATION.md'), 'utf8');
const COMMAND_MODULES = ['classify', 'model', 'enqueue', 'runs', 'schedule', 'worker', 'ops', 'report'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|mjs|js)$/.test(e.name) ? [p] : [];
  });
}

/** Environment variable names that source files mention (config tables, env.X, messages). */
function envVarsInSources(): Map<string, string> {
  const found = new Map<string, string>();
  const files = [
    ...sourceFiles(path.join(REPO_ROOT, 'src')),
    ...sourceFiles(path.join(REPO_ROOT, 'scripts')),
    path.join(REPO_ROOT, 'deploy/healthcheck.mjs'),
  ];
  const pattern =
    /\b(ZEROSHOT_[A-Z0-9_]*[A-Z0-9]|REDIS_URL|REDIS_PASSWORD|LOG_LEVEL|AWS_[A-Z0-9_]*[A-Z0-9]|HF_[A-Z_]*[A-Z]|HUGGING_FACE_HUB_TOKEN)\b/g;
  for (const file of files) {
    for (const m of readFileSync(file, 'utf8').matchAll(pattern)) {
      const name = m[1]!;
      // `ZEROSHOT_S3_*` in help texts is a family, not a variable.
      if (name === 'ZEROSHOT_S3') continue;
      if (!found.has(name)) found.set(name, path.relative(REPO_ROOT, file));
    }
  }
  return found;
}

async function allCommands(): Promise<Array<{ name: string; flags: string[] }>> {
  const program = new Command('zeroshot');
  for (const mod of COMMAND_MODULES) {
    const { register } = (await import(`../../src/cli/commands/${mod}.js`)) as { register(p: Command): void };
    register(program);
  }
  const out: Array<{ name: string; flags: string[] }> = [];
  const walk = (cmd: Command, prefix: string) => {
    for (const c of cmd.commands) {
      const name = `${prefix} ${c.name()}`.trim();
      if (c.commands.length === 0) out.push({ name, flags: c.options.map((o) => o.flags) });
      walk(c, name);
    }
  };
  walk(program, '');
  return out;
}

/** The doc's section for one command: from its `### \`zeroshot <name>` heading to the next heading. */
function section(name: string): string | undefined {
  const start = DOC.search(new RegExp(`^### \`zeroshot ${name.replace(/ /g, ' ')}( |\`)`, 'm'));
  if (start < 0) return undefined;
  const next = DOC.slice(start + 4).search(/^#{2,3} /m);
  return next < 0 ? DOC.slice(start) : DOC.slice(start, start + 4 + next);
}

describe('docs/CONFIGURATION.md lists every environment variable and flag', () => {
  it('every environment variable read by src/ or scripts/ has a row', () => {
    const vars = envVarsInSources();
    assert.ok(vars.size > 40, `found only ${vars.size} variables: the scan is broken`);
    const missing = [...vars].filter(([name]) => !DOC.includes(`\`${name}\``)).map(([n, f]) => `${n} (${f})`);
    assert.deepEqual(missing, []);
  });

  it('the worker variables show the defaults the worker really uses', () => {
    const wrong: string[] = [];
    for (const def of WORKER_OPTIONS) {
      const row = DOC.split('\n').find((l) => l.startsWith(`| \`${def.env}\` |`));
      if (!row) {
        wrong.push(`${def.env}: no row`);
        continue;
      }
      const cell = row.split('|')[2]?.trim() ?? '';
      // Descriptive defaults ("local cache", "hostname-pid") are worded for people; literal ones must match.
      if (/^[\w.,:/{}-]+$/.test(def.defaultText) && !/^[a-z]+[ -][a-z]+$/.test(def.defaultText)) {
        if (!cell.startsWith(`\`${def.defaultText}\``))
          wrong.push(`${def.env}: doc says ${cell}, code ${def.defaultText}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it('every flag of every command is in that command’s table', async () => {
    const commands = await allCommands();
    assert.ok(commands.length >= 15, `found ${commands.length} commands`);
    const missing: string[] = [];
    for (const { name, flags } of commands) {
      const s = section(name);
      if (!s) {
        missing.push(`zeroshot ${name}: no section`);
        continue;
      }
      for (const f of flags)
        if (f !== '-h, --help' && !s.includes(`\`${f}\``)) missing.push(`zeroshot ${name} ${f}`);
    }
    assert.deepEqual(missing, []);
  });
});
