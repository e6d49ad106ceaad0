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

// dst = sum over items 0..items-1 of add(item, buffer), deterministically: the items are cut
// into fixed chunks (two per thread, for balance on a busy machine), each chunk adds its items
// in order into its own zeroed buffer (chunk 0: dst), and the buffers are summed in chunk
// order. Which thread runs a chunk, and when, does not change a bit of the result.
template <class Add>
static void sumInChunks(long items, int T, long size, float* dst, Add add) {
  long chunks = T > 1 ? lmin(items, 2L * T) : 1;
  for (long i = 0; i < size; i++) dst[i] = 0.f;
  float* partial = chunks > 1 ? alignedAlloc((size_t)(size * (chunks - 1))) : nullptr;
  for (long i = 0; partial && i < size * (chunks - 1); i++) partial[i] = 0.f;
  auto task = [&](long c) {
    float* buf = c == 0 ? dst : partial + (c - 1) * size;
    for (long t = items * c / chunks, e = items * (c + 1) / chunks; t < e; t++) add(t, buf);
  };
  if (chunks > 1) parallelFor(chunks, task);
  else task(0);
  for (long c = 1; c < chunks; c++) {
    const float* p = partial + (c - 1) * size;
    for (long i = 0; i < size; i++) dst[i] += p[i];
  }
  free(partial);
}
