import { randomBytes } from 'node:crypto';

/** A sortable, time-based run id such as `20261128-101500-ab12cd` (UTC, then 6 random hex digits). */
export function newRunId(now: Date = new Date()): string {
  const iso = now.toISOString(); // 2026-11-28T10:15:00.000Z
  const stamp = `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}`;
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/** The id of the run a schedule firing creates: deterministic per firing so a retried firing adds nothing. */
export function scheduledRunId(name: string, firedAt: number): string {
  const iso = new Date(firedAt).toISOString();
  const stamp = `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}`;
  const ms = iso.slice(20, 23);
  return `${name}-${stamp}${ms === '000' ? '' : `.${ms}`}`.slice(0, 128);
}
