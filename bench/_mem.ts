import { getBackend } from '../src/backend/index.js';
await import('../test/train/memory-child.ts');
(globalThis as any).gc?.();
const mu = process.memoryUsage();
console.log(JSON.stringify({ rss: mu.rss >> 20, heapUsed: mu.heapUsed >> 20, heapTotal: mu.heapTotal >> 20, external: mu.external >> 20, ab: mu.arrayBuffers >> 20 }), JSON.stringify((getBackend() as any).memoryStats?.()));
