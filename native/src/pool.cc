// A small thread pool with spin-then-wait hand-off. The calling thread publishes a job and
// works on it too; workers claim tasks with a CAS on one 64-bit word holding
// (generation, task count, next task), so a worker that wakes late can never run a task of
// a job that has already finished, and the caller never waits for a worker that did not
// claim anything (no barrier: a busy or descheduled core cannot stall a call).
#include "common.h"
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>
#include <sched.h>
#include <stdlib.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
static inline void cpu_relax() { _mm_pause(); }
#else
static inline void cpu_relax() {}
#endif

namespace {

// True on pool workers and on a caller while it runs a job: nested calls run inline.
thread_local bool tInJob = false;
// 0 on the calling thread, 1..n-1 on the workers.
thread_local int tIndex = 0;

// state word: gen (24 bits) << 40 | ntasks (20 bits) << 20 | next (20 bits)
const uint64_t kFieldMask = (1u << 20) - 1;
const long kMaxTasks = (1 << 20) - 1;

struct Pool {
  int nthreads = 1;
  std::atomic<uint64_t> state{0};
  std::atomic<long> done{0};
  ck_task_fn fn = nullptr;
  void* ctx = nullptr;
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<int> sleepers{0};
  std::mutex callMu;  // one job at a time (N-API calls come from the main thread anyway)

  static bool claimable(uint64_t s) { return (s & kFieldMask) < ((s >> 20) & kFieldMask); }

  // Claims and runs tasks of the current job until none is left.
  void work() {
    for (;;) {
      uint64_t s = state.load(std::memory_order_acquire);
      if (!claimable(s)) return;
      if (!state.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel)) continue;
      fn(ctx, (long)(s & kFieldMask));
      done.fetch_add(1, std::memory_order_release);
    }
  }

  void workerLoop() {
    tInJob = true;
    for (;;) {
      // spin about 100 microseconds (the gap between kernels of a training step), then sleep
      auto t0 = std::chrono::steady_clock::now();
      bool got = false;
      for (int i = 0;; i++) {
        if (claimable(state.load(std::memory_order_acquire))) { got = true; break; }
        cpu_relax();
        if ((i & 255) == 255 && std::chrono::steady_clock::now() - t0 > std::chrono::microseconds(100)) break;
      }
      if (!got) {
        std::unique_lock<std::mutex> lk(mu);
        sleepers.fetch_add(1, std::memory_order_seq_cst);
        cv.wait(lk, [&] { return claimable(state.load(std::memory_order_seq_cst)); });
        sleepers.fetch_sub(1, std::memory_order_seq_cst);
      }
      work();
    }
  }

  void run(long ntasks, ck_task_fn f, void* c) {
    if (ntasks <= 0) return;
    if (nthreads <= 1 || ntasks == 1 || tInJob) { for (long t = 0; t < ntasks; t++) f(c, t); return; }
    std::lock_guard<std::mutex> g(callMu);
    tInJob = true;
    long offset = 0;
    while (offset < ntasks) {
      long chunk = ntasks - offset < kMaxTasks ? ntasks - offset : kMaxTasks;
      runChunk(chunk, offset, f, c);
      offset += chunk;
    }
    tInJob = false;
  }

  struct Shift { ck_task_fn f; void* c; long off; };
  static void shifted(void* p, long t) { Shift* s = (Shift*)p; s->f(s->c, t + s->off); }

  void runChunk(long ntasks, long offset, ck_task_fn f, void* c) {
    Shift sh{f, c, offset};
    fn = offset ? shifted : f;
    ctx = offset ? (void*)&sh : c;
    done.store(0, std::memory_order_relaxed);
    uint64_t gen = ((state.load(std::memory_order_relaxed) >> 40) + 1) & 0xFFFFFF;
    state.store((gen << 40) | ((uint64_t)ntasks << 20), std::memory_order_seq_cst);
    if (sleepers.load(std::memory_order_seq_cst) > 0) {
      std::lock_guard<std::mutex> lk(mu);
      cv.notify_all();
    }
    work();
    for (int i = 0; done.load(std::memory_order_acquire) < ntasks; i++) {
      cpu_relax();
      if ((i & 1023) == 1023) std::this_thread::yield();
    }
  }
};

// Pool size set by ck_set_threads before the pool starts (the TypeScript loader passes the
// count it computed from CONVKIT_THREADS and the cores); 0: read the environment here.
std::atomic<int> gRequested{0};

int envThreads() {
  int req = gRequested.load();
  if (req >= 1) return req > 256 ? 256 : req;
  const char* e = getenv("CONVKIT_THREADS");
  if (e && *e) {
    int v = atoi(e);
    if (v >= 1) return v > 256 ? 256 : v;
  }
#ifdef __linux__
  cpu_set_t set;  // the cores this process may run on (containers often allow fewer than exist)
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int c = CPU_COUNT(&set);
    if (c >= 1) return c;
  }
#endif
  unsigned h = std::thread::hardware_concurrency();
  return h >= 1 ? (int)h : 1;
}

Pool* pool() {
  static Pool* p = [] {
    Pool* q = new Pool();
    q->nthreads = envThreads();
    for (int i = 1; i < q->nthreads; i++) std::thread([q, i] { tIndex = i; q->workerLoop(); }).detach();
    return q;
  }();
  return p;
}

}  // namespace

extern "C" void ck_parallel(long ntasks, ck_task_fn fn, void* ctx) { pool()->run(ntasks, fn, ctx); }
extern "C" int ck_threads(void) { return pool()->nthreads; }
// Sets the pool size if the pool has not started yet; returns the size in effect.
extern "C" int ck_set_threads(int n) {
  if (n >= 1) gRequested.store(n);
  return pool()->nthreads;
}
extern "C" int ck_thread_index(void) { return tIndex; }
