// Portable kernels: 6x8 tile of 4-wide vectors (SSE2 on x86-64, NEON on arm64), no -m flags.
#define CK_NS ck_portable
#define CK_TABLE ck_kernels_portable
#define CK_ISA_NAME "portable"
#define CK_VW 4
#define CK_MR 6
#define CK_NRV 2
#define CK_KC 256
#define CK_MC 144
#define CK_NC 2048
#include "kernels_impl.h"
