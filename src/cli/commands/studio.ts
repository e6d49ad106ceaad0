/**
 * `convkit studio`: serves convkit studio, the web app (built into dist/studio by
 * `npm run build:studio`), on loopback until interrupted. See src/cli/studio-server.ts for what
 * the server answers and refuses.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { CliFailure, intOption, parseCommand, UsageError } from '../options.js';
import { startStudioServer, studioDataMounts } from '../studio-server.js';

/** Help text of `convkit studio`. */
export const STUDIO_USAGE = `convkit studio [--port N] [--host ADDRESS] [--app DIR]

Serves convkit studio, the web app: train a CNN in the page, look inside any model, the lectures'
convolutions animated step by step, image filters on your photo, an MLP playground.

  --port N        port to listen on (default 8600; 0 picks a free one)
  --host ADDRESS  interface to bind (default 127.0.0.1, this machine only; 0.0.0.0 exposes the
                  app to your network)
  --app DIR       serve another build of the app (default: the package's dist/studio)

The server is cross-origin isolated (training uses every core), serves only the app's own files
and the package's MNIST, Fashion-MNIST and pretrained weights, and runs no code you send it.
Stop it with Ctrl-C.`;

/** The package root (three levels above dist/cli/commands/studio.js). */
function packageRoot(): string {
  return fileURLToPath(new URL('../../../', import.meta.url));
}

/** Runs the server until SIGINT/SIGTERM; prints its URL on stdout (and {"url": ...} with --json). */
export async function studioCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      port: { type: 'string' },
      host: { type: 'string' },
      app: { type: 'string' },
    },
    STUDIO_USAGE,
  );
  if (!parsed) return 0;
  const v = parsed.values;
  const port = v.port === undefined ? 8600 : intOption('--port', v.port, 0);
  if (port > 65535) throw new UsageError(`--port must be at most 65535, got ${port}`);
  const host = v.host ?? '127.0.0.1';
  if (host.trim() === '') throw new UsageError('--host needs an address, e.g. 127.0.0.1');
  const root = packageRoot();
  const appDir = v.app ?? join(root, 'dist', 'studio');
  if (!existsSync(join(appDir, 'index.html')))
    throw new CliFailure(
      `the studio app is not built: ${join(appDir, 'index.html')} is missing (run npm run build:studio in the package folder${v.app ? ', or pass the folder that holds index.html' : ''})`,
    );
  let running: Awaited<ReturnType<typeof startStudioServer>>;
  try {
    running = await startStudioServer({ appDir, host, port, mounts: studioDataMounts(root) });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new CliFailure(`port ${port} on ${host} is in use (pass another --port, or --port 0)`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
      throw new CliFailure(`cannot bind ${host}: no such interface on this machine`);
    if (code === 'EACCES') throw new CliFailure(`no permission to listen on port ${port} (use a port above 1023)`);
    throw e;
  }
  if (v.json) process.stdout.write(`${JSON.stringify({ url: running.url, host, app: appDir })}\n`);
  else {
    process.stdout.write(`convkit studio: ${running.url}\n`);
    if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1')
      process.stderr.write(`convkit studio: listening on ${host}: other machines on your network can open it\n`);
  }
  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void running.close().then(done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}
