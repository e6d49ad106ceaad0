// AVX2 + FMA kernels: 6x16 register tile (two ymm per row), built with -mavx2 -mfma.
#define CK_NS ck_avx2
#define CK_TABLE ck_kernels_avx2
#define CK_ISA_NAME "avx2"
#define CK_VW 8
#define CK_MR 6
#define CK_NRV 2
#define CK_KC 256
#define CK_MC 144
#define CK_NC 2048
#ifdef CK_STUB
// The compiler could not build this level: an empty table, which the loader skips.
#include "common.h"
extern "C" const CkKernels ck_kernels_avx2 = {};
#else
#include "kernels_impl.h"
#endif
