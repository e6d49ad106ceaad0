// A small thread pool with spin-then-wait hand-off. The calling thread publishes a job and
// works on it too; workers claim tasks with a CAS on one 64-bit word holding
// (generation, task count, next task), so a worker that wakes late can never run a task of
// a job that has already finished, and the caller never waits for a worker that did not
// claim anything (no barrier: a busy or descheduled core cannot stall a call).
// Under load (another process sharing a core) a worker can be preempted for a whole time slice
// while it holds a claimed task. The caller then spins only briefly; if that worker is not
// getting CPU time (its thread clock stands still) the caller moves it to its own core (affinity;
// the worker goes back to its own core afterwards) and sleeps on a futex until the worker
// finishes. An idle worker on the caller's core yields while it spins, so it does not steal the
// caller's time; elsewhere it keeps its core's time slice for the next job.
// Two more measures for a core shared with another process (bench --contended: a busy loop on
// one of 2 cores took the 2-thread/1-thread ratio of LeNet-5 inference from ~1.0-1.2x to ~1.3x):
// - while the pool has no more threads than cores, workers keep off the caller's core (affinity:
//   every allowed core but the caller's). Otherwise the scheduler balances a worker that shares
//   a core with the other process onto the caller's core, where both threads share one core
//   (measured: a quarter of the worker's tasks ran there) while the other process keeps a whole core.
// - workers ask for a 0.1 ms time slice (Linux >= 6.12 EEVDF: sched_setattr's sched_runtime;
//   older kernels ignore it): against a busy loop on its core a worker then alternates with it
//   every 0.1 ms instead of every few ms, so a task it claimed progresses at about half speed
//   instead of standing still for a whole slice while the caller waits. The caller takes the
//   same short slice while it sleeps for a worker (restored when it wakes): woken on a busy
//   core, it then runs at once instead of after the other process's slice (without it bench
//   --contended fell back to ~1.0x on LeNet-5 in about a third of the runs).
// - a caller that gets under 70% of its core while it runs its own shares (20 ms of jobs)
//   moves itself to another core once (moveCaller): with workers kept off its core, nothing else
//   would ever move it away from the other process.
#include "common.h"
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#ifdef __linux__
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#endif

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
static inline void cpu_relax() { _mm_pause(); }
#else
static inline void cpu_relax() {}
#endif

namespace {

#ifdef __linux__
// Sleeps while *w == v (a spurious or early return is fine: callers re-check in a loop).
void futexWait(std::atomic<int>* w, int v) { syscall(SYS_futex, (int*)w, FUTEX_WAIT_PRIVATE, v, nullptr, nullptr, 0); }
void futexWakeAll(std::atomic<int>* w) { syscall(SYS_futex, (int*)w, FUTEX_WAKE_PRIVATE, 0x7fffffff, nullptr, nullptr, 0); }
#endif

// True on pool workers and on a caller while it runs a job: nested calls run inline.
thread_local bool tInJob = false;
// 0 on the calling thread, 1..n-1 on the workers.
thread_local int tIndex = 0;

// state word: gen (24 bits) << 40 | ntasks (20 bits) << 20 | next (20 bits)
const uint64_t kFieldMask = (1u << 20) - 1;
const long kMaxTasks = (1 << 20) - 1;

// The time slice workers ask for (ns; the kernel accepts 0.1 to 100 ms).
const uint64_t kWorkerSliceNs = 100000;

// How long the caller spins for claimed tasks before it sleeps: a few task lengths of the small
// kernels, far below a scheduler time slice.
const auto kCallerSpin = std::chrono::microseconds(20);

// One per worker: what the caller needs to see whether it runs and to move it.
struct Worker {
  std::atomic<int> busy{0};    // 1 while it runs a task
  std::atomic<int> pulled{0};  // 1 when the caller pinned it to the caller's core
  std::atomic<int> awayFrom{-1};  // the core its affinity leaves out (the caller's), -1: none
  int cpu = -1;                // the core it claimed its task on (its own; read by itself only)
#ifdef __linux__
  std::atomic<pid_t> tid{0};
  clockid_t clock{};
  std::atomic<bool> hasClock{false};
#endif
};

#ifdef __linux__
long long clockNs(clockid_t c) {
  timespec ts;
  if (clock_gettime(c, &ts) != 0) return -1;
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
#endif

struct Pool {
  int nthreads = 1;
  Worker* workers = nullptr;  // [nthreads], index 0 unused (the caller)
#ifdef __linux__
  cpu_set_t allowed;  // the process's cores at start: what a pulled worker goes back to
  bool keepOff = false;  // workers keep off the caller's core (no more threads than allowed cores)
  // The caller's running of its own shares, summed over jobs until 20 ms of wall time: when it got
  // less than 70% of that as CPU time it shares its core with another process (see moveCaller).
  long long callerWallNs = 0, callerCpuNs = 0;
#endif
  std::atomic<uint64_t> state{0};
  std::atomic<int> done{0};  // tasks of the current chunk finished (a futex word: 32 bits)
  std::atomic<int> callerAsleep{0};
  std::atomic<int> callerCpu{-1};  // the core the caller last published a job from
  ck_task_fn fn = nullptr;
  void* ctx = nullptr;
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<int> sleepers{0};
  std::mutex callMu;  // one job at a time (N-API calls come from the main thread anyway)

  static bool claimable(uint64_t s) { return (s & kFieldMask) < ((s >> 20) & kFieldMask); }

  // Claims and runs tasks of the current job until none is left; the worker that finishes the
  // last task wakes the caller if it went to sleep.
  void work() {
    Worker* me = tIndex > 0 ? &workers[tIndex] : nullptr;
    for (;;) {
      uint64_t s = state.load(std::memory_order_acquire);
      if (!claimable(s)) return;
      if (me) {
        me->busy.store(1, std::memory_order_seq_cst);
#ifdef __linux__
        me->cpu = sched_getcpu();
#endif
      }
      if (!state.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel)) {
        if (me) me->busy.store(0, std::memory_order_relaxed);
        continue;
      }
      fn(ctx, (long)(s & kFieldMask));
      if (me) {
        me->busy.store(0, std::memory_order_seq_cst);
#ifdef __linux__
        // back to its own core (sharing the caller's would take time from the caller), then to
        // every core the process may use (but the caller's), now that the task the caller
        // waited for is done
        if (me->pulled.exchange(0)) {
          cpu_set_t own;
          CPU_ZERO(&own);
          if (me->cpu >= 0 && me->cpu < CPU_SETSIZE && CPU_ISSET(me->cpu, &allowed)) {
            CPU_SET(me->cpu, &own);
            sched_setaffinity(0, sizeof(own), &own);
          }
          me->awayFrom.store(-1, std::memory_order_relaxed);
          if (!keepAway(*me)) sched_setaffinity(0, sizeof(allowed), &allowed);
        }
#endif
      }
      int n = (int)((s >> 20) & kFieldMask);
      if (done.fetch_add(1, std::memory_order_seq_cst) + 1 == n && callerAsleep.load(std::memory_order_seq_cst))
        wakeCaller();
    }
  }

  void wakeCaller() {
#ifdef __linux__
    futexWakeAll(&done);
#else
    std::lock_guard<std::mutex> lk(mu);
    cv.notify_all();
#endif
  }

  void workerLoop() {
    tInJob = true;
#ifdef __linux__
    Worker& me = workers[tIndex];
    me.tid.store((pid_t)syscall(SYS_gettid));
    me.hasClock.store(pthread_getcpuclockid(pthread_self(), &me.clock) == 0);
    askShortSlice();
#endif
    for (;;) {
      // spin about 100 microseconds (the gap between kernels of a training step), then sleep;
      // on the caller's core (where a pull left it) yield every few microseconds so that the
      // caller runs instead of this spin; elsewhere never yield, which would hand this core's
      // time slice to another process and leave the next job to the caller alone
      auto t0 = std::chrono::steady_clock::now();
      bool got = false;
      for (int i = 0;; i++) {
        if (claimable(state.load(std::memory_order_acquire))) { got = true; break; }
        cpu_relax();
        if ((i & 63) == 63) {
#ifdef __linux__
          if (sched_getcpu() == callerCpu.load(std::memory_order_relaxed) && !keepAway(me)) sched_yield();
#endif
          if (std::chrono::steady_clock::now() - t0 > std::chrono::microseconds(100)) break;
        }
      }
      if (!got) {
        std::unique_lock<std::mutex> lk(mu);
        sleepers.fetch_add(1, std::memory_order_seq_cst);
        cv.wait(lk, [&] { return claimable(state.load(std::memory_order_seq_cst)); });
        sleepers.fetch_sub(1, std::memory_order_seq_cst);
      }
#ifdef __linux__
      keepAway(me);
#endif
      work();
    }
  }

#ifdef __linux__
  // Sets this worker's affinity to every allowed core but the caller's (where the caller last
  // published a job) unless it is set so already; true if it is so set.
  bool keepAway(Worker& me) {
    int c = callerCpu.load(std::memory_order_relaxed);
    if (!keepOff || c < 0 || c >= CPU_SETSIZE || !CPU_ISSET(c, &allowed)) return false;
    if (me.awayFrom.load(std::memory_order_relaxed) == c) return true;
    cpu_set_t home = allowed;
    CPU_CLR(c, &home);
    if (sched_setaffinity(0, sizeof(home), &home) != 0) return false;
    me.awayFrom.store(c, std::memory_order_relaxed);
    return true;
  }

  struct SchedAttr {
    uint32_t size, policy;
    uint64_t flags;
    int32_t nice;
    uint32_t priority;
    uint64_t runtime, deadline, period;
  };

  // Asks for a short time slice (see the comment at the top), keeping this thread's nice value.
  static void askShortSlice() {
#ifdef SYS_sched_setattr
    SchedAttr a{};
    errno = 0;
    int nice = getpriority(PRIO_PROCESS, 0);  // this thread's (Linux: per thread)
    if (nice == -1 && errno != 0) return;
    a.size = sizeof(a);
    a.policy = SCHED_OTHER;
    a.nice = nice;
    a.runtime = kWorkerSliceNs;
    syscall(SYS_sched_setattr, 0, &a, 0);  // fails harmlessly where unsupported
#endif
  }

  // The caller's short slice while it sleeps for a worker: on a core shared with another process
  // the worker's wake-up then preempts that process at once (EEVDF: a shorter slice may preempt)
  // instead of after its whole time slice (a few ms per job). Restores the caller's attributes.
  struct ShortSlice {
    SchedAttr old{};
    bool set = false;
    ShortSlice() {
#if defined(SYS_sched_setattr) && defined(SYS_sched_getattr)
      if (syscall(SYS_sched_getattr, 0, &old, sizeof(old), 0) != 0 || old.policy != SCHED_OTHER) return;
      SchedAttr a = old;
      a.size = sizeof(a);
      a.flags = 0;
      a.runtime = kWorkerSliceNs;
      set = syscall(SYS_sched_setattr, 0, &a, 0) == 0;
#endif
    }
    ~ShortSlice() {
#ifdef SYS_sched_setattr
      if (!set) return;
      old.size = sizeof(old);
      old.flags = 0;
      syscall(SYS_sched_setattr, 0, &old, 0);
#endif
    }
  };
#endif

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
#ifdef __linux__
    callerCpu.store(sched_getcpu(), std::memory_order_relaxed);
#endif
    uint64_t gen = ((state.load(std::memory_order_relaxed) >> 40) + 1) & 0xFFFFFF;
    state.store((gen << 40) | ((uint64_t)ntasks << 20), std::memory_order_seq_cst);
    if (sleepers.load(std::memory_order_seq_cst) > 0) {
      std::lock_guard<std::mutex> lk(mu);
      cv.notify_all();
    }
#ifdef __linux__
    long long c0 = keepOff ? clockNs(CLOCK_THREAD_CPUTIME_ID) : -1;
    auto w0 = std::chrono::steady_clock::now();
#endif
    work();
#ifdef __linux__
    if (c0 >= 0) noteCallerShare(c0, w0);
#endif
    waitDone((int)ntasks);
  }

#ifdef __linux__
  // A caller that runs its shares at a fraction of its core (another process on it, e.g. a busy
  // loop pinned there) while the workers keep off that core leaves the pool in a stable bad
  // state: the scheduler does not move the caller to a worker's core, which is never idle, and the
  // workers may not come to the caller's. Measured (bench --contended, hog pinned to core 1):
  // LeNet inference on 2 threads 64k img/s against 80k on 1 in about one run in three. Such a
  // caller moves itself to another allowed core once (affinity set to that core, then back to
  // what it was: the kernel migrates it at once and the scheduler keeps it there); the workers
  // keep off its new core from the next job on. Results do not change: only where threads run.
  void noteCallerShare(long long c0, std::chrono::steady_clock::time_point w0) {
    long long c1 = clockNs(CLOCK_THREAD_CPUTIME_ID);
    if (c1 < 0) return;
    callerCpuNs += c1 - c0;
    callerWallNs += std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - w0).count();
    if (callerWallNs < 20000000LL) return;
    bool starved = 10 * callerCpuNs < 7 * callerWallNs;
    callerWallNs = callerCpuNs = 0;
    if (starved) moveCaller();
  }

  void moveCaller() {
    int cpu = sched_getcpu();
    cpu_set_t mine;
    if (cpu < 0 || sched_getaffinity(0, sizeof(mine), &mine) != 0) return;
    for (int c = 1; c < CPU_SETSIZE; c++) {
      int to = (cpu + c) % CPU_SETSIZE;
      if (!CPU_ISSET(to, &mine) || !CPU_ISSET(to, &allowed)) continue;
      cpu_set_t there;
      CPU_ZERO(&there);
      CPU_SET(to, &there);
      if (sched_setaffinity(0, sizeof(there), &there) == 0) sched_setaffinity(0, sizeof(mine), &mine);
      return;
    }
  }
#endif

  // A worker that holds a task and got less than a quarter of the CPU time over a short window is
  // off-CPU (preempted by another process on its core): pin it to this core, where it runs as
  // soon as this thread sleeps. Results do not change: the same task runs, on another core.
  void pullStalled(int n) {
#ifdef __linux__
    const int kMax = 64;
    long long cpu0[kMax];
    int m = nthreads < kMax ? nthreads : kMax;
    for (int w = 1; w < m; w++)
      cpu0[w] = workers[w].busy.load() && workers[w].hasClock.load() ? clockNs(workers[w].clock) : -1;
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; done.load(std::memory_order_acquire) < n; i++) {
      cpu_relax();
      if ((i & 63) == 63 && std::chrono::steady_clock::now() - t0 > kCallerSpin) break;
    }
    if (done.load(std::memory_order_acquire) >= n) return;
    long long wall = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
    int cpu = sched_getcpu();
    if (cpu < 0) return;
    cpu_set_t here;
    CPU_ZERO(&here);
    CPU_SET(cpu, &here);
    for (int w = 1; w < m; w++) {
      if (cpu0[w] < 0 || !workers[w].busy.load()) continue;
      long long ran = clockNs(workers[w].clock) - cpu0[w];
      if (ran < 0 || 4 * ran >= wall) continue;
      workers[w].pulled.store(1, std::memory_order_seq_cst);
      if (sched_setaffinity(workers[w].tid.load(), sizeof(here), &here) != 0) workers[w].pulled.store(0);
      // the task may have finished meanwhile: the worker restores itself after its next task, or
      // here (every allowed core; the worker keeps off the caller's again at its next job)
      else if (!workers[w].busy.load() && workers[w].pulled.exchange(0)) {
        workers[w].awayFrom.store(-1, std::memory_order_relaxed);
        sched_setaffinity(workers[w].tid.load(), sizeof(allowed), &allowed);
      }
    }
#else
    (void)n;
#endif
  }

  // Waits for the tasks the workers claimed: spins briefly (the usual case: a worker is finishing
  // its last task), then sleeps until the worker that finishes the last one wakes it. A worker
  // preempted by another process holds its task for a time slice; sleeping frees this core so
  // the scheduler can run that worker here instead of leaving the core to a spinning caller.
  void waitDone(int n) {
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; done.load(std::memory_order_acquire) < n; i++) {
      cpu_relax();
      if ((i & 63) == 63 && std::chrono::steady_clock::now() - t0 > kCallerSpin) break;
    }
    if (done.load(std::memory_order_acquire) < n) pullStalled(n);
#ifdef __linux__
    ShortSlice shortSlice;  // while it sleeps (only here: the caller's thread is not the pool's)
#endif
    for (;;) {
      int d = done.load(std::memory_order_seq_cst);
      if (d >= n) break;
      callerAsleep.store(1, std::memory_order_seq_cst);
      d = done.load(std::memory_order_seq_cst);
      if (d < n) {
#ifdef __linux__
        futexWait(&done, d);
#else
        std::unique_lock<std::mutex> lk(mu);
        cv.wait_for(lk, std::chrono::microseconds(200), [&] { return done.load() >= n; });
#endif
      }
      callerAsleep.store(0, std::memory_order_relaxed);
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
    q->workers = new Worker[q->nthreads];
#ifdef __linux__
    if (sched_getaffinity(0, sizeof(q->allowed), &q->allowed) != 0) {
      CPU_ZERO(&q->allowed);
      for (int c = 0; c < CPU_SETSIZE; c++) CPU_SET(c, &q->allowed);
    }
    q->keepOff = q->nthreads <= CPU_COUNT(&q->allowed);
#endif
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
