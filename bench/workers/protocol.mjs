// The line protocol every benchmark worker speaks: it prints {"ready":true,...} once, then
// answers each request line {"id","workload","seconds"} with one line
// {"id","value"} (images/s or GFLOPS) or {"id","error"}.
import { createInterface } from 'node:readline';

export { rate } from './rate.mjs';

/** Serves requests from stdin with the given workload table {name: async (seconds) => value}. */
export function serve(info, workloads) {
  process.stdout.write(JSON.stringify({ ready: true, ...info }) + '\n');
  const rl = createInterface({ input: process.stdin });
  let chain = Promise.resolve();
  rl.on('line', (line) => {
    chain = chain.then(async () => {
      const req = JSON.parse(line);
      const fn = workloads[req.workload];
      let reply;
      if (!fn) reply = { id: req.id, error: 'not supported' };
      else {
        try {
          reply = { id: req.id, value: await fn(req.seconds) };
        } catch (e) {
          reply = {
            id: req.id,
            error: String(e && e.message ? e.message : e)
              .split('\n')[0]
              .slice(0, 160),
          };
        }
      }
      process.stdout.write(JSON.stringify(reply) + '\n');
    });
  });
  rl.on('close', () => {
    chain.then(() => process.exit(0));
  });
}
