import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Real tools of the tests that npm cannot provide (chromium, prometheus/promtool): found on PATH, else
 * installed with apt-get when this is a Debian-like machine and we are root. `apt-get update` runs at most
 * once per machine (a marker under the temp dir), and only when the plain install fails; installs from
 * parallel test files are serialized with flock. Where nothing can be installed the caller skips with
 * `skipReason`.
 */
export interface Tool {
  /** Absolute path of the binary, when available. */
  path?: string;
  /** Why the tests that need it are skipped (undefined when `path` is set). */
  skipReason?: string;
}

const found = new Map<string, Tool>();
const UPDATED_MARKER = path.join(os.tmpdir(), 'zeroshot-apt-updated');
const LOCK = path.join(os.tmpdir(), 'zeroshot-apt.lock');

export function which(bin: string): string | undefined {
  const res = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  const p = res.stdout.trim();
  return res.status === 0 && p ? p : undefined;
}

function apt(args: string): { ok: boolean; output: string } {
  // flock: two test files may install at once; DPkg::Lock::Timeout: someone else's apt-get may be running.
  const cmd = `flock ${LOCK} env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 ${args}`;
  const res = spawnSync('sh', ['-c', cmd], { encoding: 'utf8', timeout: 600_000 });
  return { ok: res.status === 0, output: `${res.stdout ?? ''}${res.stderr ?? ''}`.slice(-2_000) };
}

/** Debian packages start their services; the tests run private instances on free ports instead. */
function stopService(service: string): void {
  spawnSync('sh', ['-c', `systemctl stop ${service} || service ${service} stop`], { stdio: 'ignore' });
}

/** `bin` from PATH, installing Debian package `pkg` first when it is missing and we may. */
export function debianTool(bin: string, pkg: string, opts: { services?: string[] } = {}): Tool {
  const cached = found.get(bin);
  if (cached) return cached;
  const tool = locate(bin, pkg, opts.services ?? []);
  found.set(bin, tool);
  if (tool.skipReason) process.stderr.write(`[zeroshot] SKIP: ${tool.skipReason}\n`);
  return tool;
}

function locate(bin: string, pkg: string, services: string[]): Tool {
  const existing = which(bin);
  if (existing) return { path: existing };
  const manual = `install it with: sudo apt-get install -y ${pkg}`;
  if (process.platform !== 'linux' || !which('apt-get')) {
    return { skipReason: `${bin} is not installed and this machine has no apt-get (${manual})` };
  }
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return { skipReason: `${bin} is not installed and the tests are not running as root (${manual})` };
  }
  process.stderr.write(`[zeroshot] ${bin} is missing: apt-get install -y ${pkg} ...\n`);
  let res = apt(`install -y --no-install-recommends ${pkg}`);
  if (!res.ok && !existsSync(UPDATED_MARKER)) {
    const update = apt('update');
    if (update.ok) writeFileSync(UPDATED_MARKER, new Date().toISOString());
    res = apt(`install -y --no-install-recommends ${pkg}`);
  }
  for (const s of services) stopService(s);
  const installed = which(bin);
  if (installed) return { path: installed };
  return { skipReason: `apt-get install -y ${pkg} failed (${manual}):\n${res.output}` };
}
