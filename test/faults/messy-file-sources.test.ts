import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { isRunning, samplePeakRss, spawnWorker, workerProcessSuite } from '../support/worker-process.js';
import { completeRun, countByImage, sleep } from '../worker/helpers.js';

const PREFIX = '{zsmessyfile}';
const RSS_LIMIT = 1024 ** 3;
const MAX_IMAGE_BYTES = 8 * 1024 * 1024;

/**
 * Issue 8 for local sources, with a real worker process: named pipes, /proc/self/pagemap (announces 0
 * bytes, reads without end), a device, a socket, a directory and a symlink escaping the file roots are each
 * one coded error line; the worker never blocks, stays under an RSS bound and exits on SIGTERM.
 */
describe('fault: file:// sources that are not image files', { timeout: 150_000 }, () => {
  const suite = workerProcessSuite('messy-file');
  const expected = new Map<string, string>();
  let socket: net.Server;

  before(
    async () => {
      const src = path.join(suite.dir, 'src');
      mkdirSync(src);
      for (let i = 0; i < 6; i++) {
        const file = path.join(src, `ok-${i}.png`);
        writeFileSync(
          file,
          await sharp({
            create: { width: 24, height: 24, channels: 3, background: { r: i * 40, g: 9, b: 9 } },
          })
            .png()
            .toBuffer(),
        );
        expected.set(`file://${file}`, 'ok');
      }
      for (let i = 0; i < 5; i++) {
        const fifo = path.join(src, `pipe-${i}.png`);
        execFileSync('mkfifo', [fifo]);
        expected.set(`file://${fifo}`, 'IMAGE_NOT_REGULAR_FILE');
      }
      mkdirSync(path.join(src, 'dir.png'));
      expected.set(`file://${path.join(src, 'dir.png')}`, 'IMAGE_NOT_REGULAR_FILE');
      const sock = path.join(src, 'sock.png');
      socket = net.createServer();
      await new Promise<void>((resolve) => socket.listen(sock, resolve));
      expected.set(`file://${sock}`, 'IMAGE_NOT_REGULAR_FILE');
      expected.set('file:///dev/zero', 'IMAGE_NOT_REGULAR_FILE');
      expected.set('file:///proc/self/pagemap', 'IMAGE_TOO_LARGE');
      // Confinement: a symlink inside the root that points out of it.
      const outside = path.join(suite.dir, 'outside.png');
      writeFileSync(
        outside,
        await sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } })
          .png()
          .toBuffer(),
      );
      symlinkSync(outside, path.join(src, 'escape.png'));
      expected.set(`file://${path.join(src, 'escape.png')}`, 'IMAGE_OUTSIDE_ROOTS');
    },
    { timeout: 30_000 },
  );
  after(() => new Promise<void>((resolve) => (socket ? socket.close(() => resolve()) : resolve())));

  it('each is one coded error line, the neighbours are labeled, the worker stays bounded and stops on SIGTERM', async (t) => {
    const roots = [path.join(suite.dir, 'src'), '/proc/self', '/dev'].join(':');
    const worker = spawnWorker(suite.redis.url, PREFIX, [
      '--max-image-bytes',
      String(MAX_IMAGE_BYTES),
      '--file-roots',
      roots,
    ]);
    suite.procs.push(worker);
    const rss = samplePeakRss(worker.child.pid as number);
    let peak = 0;
    const out = path.join(suite.dir, 'out');
    try {
      const { summary, lines } = await completeRun(
        out,
        {
          runId: 'messy',
          redisUrl: suite.redis.url,
          prefix: PREFIX,
          images: [...expected.keys()],
          chunkSize: 6,
        },
        90_000,
      );
      const counts = countByImage(lines);
      const wrong: string[] = [];
      for (const [uri, want] of expected) {
        if (counts.get(uri) !== 1) wrong.push(`${uri}: ${counts.get(uri) ?? 0} lines`);
        const line = lines.find((l) => l.image === uri);
        const got = line?.error?.code ?? (line?.labels ? 'ok' : 'none');
        if (got !== want) wrong.push(`${uri}: expected ${want}, got ${got} ${line?.error?.message ?? ''}`);
      }
      assert.deepEqual(wrong, [], wrong.join('\n'));
      const failed = [...expected.values()].filter((v) => v !== 'ok').length;
      assert.deepEqual(summary.counts, {
        images: expected.size,
        ok: expected.size - failed,
        failed,
        missing: 0,
      });
      assert.deepEqual(summary.chunks.failed, []);
      assert.ok(isRunning(worker), 'the worker is still up');
    } finally {
      peak = await rss.stop();
    }
    t.diagnostic(`peak worker RSS ${(peak / 1024 ** 2).toFixed(0)} MiB`);
    assert.ok(peak > 0 && peak < RSS_LIMIT, `peak RSS ${(peak / 1024 ** 2).toFixed(0)} MiB under 1 GiB`);
    // Not wedged: SIGTERM ends it on its own (no SIGKILL needed).
    worker.child.kill('SIGTERM');
    const exit = await Promise.race([worker.exited, sleep(20_000).then(() => undefined)]);
    assert.ok(exit, `the worker exits on SIGTERM:\n${worker.output().slice(-1500)}`);
    assert.equal(exit.signal, null);
    assert.equal(exit.code, 0);
  });
});
