// AVX-512 kernels: 8x32 register tile (two zmm per row), built with -mavx512f -mavx512vl -mfma.
#define CK_NS ck_avx512
#define CK_TABLE ck_kernels_avx512
#define CK_ISA_NAME "avx512"
#define CK_VW 16
#define CK_MR 8
#define CK_NRV 2
#define CK_KC 256
#define CK_MC 192
#define CK_NC 2048
#ifdef CK_STUB
// The compiler could not build this level: an empty table, which the loader skips.
#include "common.h"
extern "C" const CkKernels ck_kernels_avx512 = {};
#else
#include "kernels_impl.h"
#endif
