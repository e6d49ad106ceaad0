// Small helpers shared by the kernel headers; included inside each kernel namespace.

static inline long lmin(long a, long b) { return a < b ? a : b; }
static inline long lmax(long a, long b) { return a > b ? a : b; }

static inline float* alignedAlloc(size_t floats) {
  void* p = nullptr;
  size_t bytes = ((floats * 4 + 63) / 64) * 64;
  if (posix_memalign(&p, 64, bytes ? bytes : 64) != 0) abort();
  return (float*)p;
}

template <class F>
static void parallelFor(long ntasks, F& f) {
  ck_parallel(ntasks, [](void* c, long t) { (*(F*)c)(t); }, &f);
}

static const long kElemChunk = 1 << 15;
static const long kElemParallel = 1 << 17;

