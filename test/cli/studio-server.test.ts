// The studio server's path rules and responses, in-process: only files inside a mount, decoded
// once, no '..', NUL or backslash, no symbolic link out, allow-lists honoured, GET/HEAD only,
// cross-origin isolation headers on every answer.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveStudioPath, startStudioServer, type StudioServer } from '../../src/cli/studio-server.ts';

describe('studio server', () => {
  let root: string;
  let app: string;
  let secret: string;
  let server: StudioServer;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'convkit-studio-'));
    app = join(root, 'app');
    mkdirSync(join(app, 'assets'), { recursive: true });
    writeFileSync(join(app, 'index.html'), '<!doctype html><title>app</title>');
    writeFileSync(join(app, 'assets', 'a.js'), 'export {};');
    secret = join(root, 'secret.txt');
    writeFileSync(secret, 'do not serve');
    symlinkSync(secret, join(app, 'link.txt'));
    mkdirSync(join(root, 'data'));
    writeFileSync(join(root, 'data', 'ok.bin'), 'ok');
    writeFileSync(join(root, 'data', 'other.bin'), 'no');
    server = await startStudioServer({
      appDir: app,
      port: 0,
      mounts: [{ prefix: '/data/x/', dir: join(root, 'data'), only: ['ok.bin'] }],
    });
  });
  after(async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('resolves files inside the mount and refuses everything else', () => {
    const m = { prefix: '/', dir: app };
    assert.equal(resolveStudioPath('/', m), join(app, 'index.html'));
    assert.equal(resolveStudioPath('/assets/a.js', m), join(app, 'assets', 'a.js'));
    for (const bad of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/link.txt',
      '/assets/a.js%00',
      '/assets\\a.js',
      '/%E0%A4%A',
      '/./index.html',
      '/assets',
      '/missing.js',
    ])
      assert.equal(resolveStudioPath(bad, m), null, bad);
    const d = { prefix: '/data/x/', dir: join(root, 'data'), only: ['ok.bin'] };
    assert.equal(resolveStudioPath('/data/x/ok.bin', d), join(root, 'data', 'ok.bin'));
    assert.equal(resolveStudioPath('/data/x/other.bin', d), null);
  });

  it('answers GET and HEAD with isolation headers, refuses other methods and unknown paths', async () => {
    const r = await fetch(`${server.url}assets/a.js`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(r.headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal(r.headers.get('cross-origin-embedder-policy'), 'require-corp');
    assert.match(r.headers.get('content-security-policy') ?? '', /script-src 'self' 'wasm-unsafe-eval'/);
    assert.equal(await r.text(), 'export {};');
    assert.equal((await fetch(`${server.url}data/x/ok.bin`)).status, 200);
    assert.equal((await fetch(`${server.url}data/x/other.bin`)).status, 404);
    assert.equal((await fetch(`${server.url}link.txt`)).status, 404);
    const post = await fetch(server.url, { method: 'POST', body: 'x' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    const head = await fetch(server.url, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), '33');
  });

  it('binds loopback by default and refuses a bad port', async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.throws(() => startStudioServer({ appDir: app, port: 70000 }), /--port must be an integer in 0\.\.65535/);
  });
});
