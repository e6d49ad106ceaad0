// Every kernel of the convkit native backend, compiled once per ISA. The including file
// defines CK_NS (a namespace unique to the ISA, so no inline function compiled with wide
// instructions can be merged into another ISA's code), CK_TABLE (the exported table name),
// CK_ISA_NAME and the GEMM tile macros. Semantics mirror src/backend/js exactly. The
// memory-bound elementwise, reduction and layout kernels are shared (shared_kernels.cc).
#include "common.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

namespace CK_NS {

#include "util_impl.h"
#include "gemm_impl.h"
#include "conv_batched_impl.h"
#include "winograd_impl.h"
#include "conv_impl.h"
#include "pool_impl.h"
#include "direct_conv_rows_impl.h"
#include "direct_conv_impl.h"

}  // namespace CK_NS

extern "C" const CkKernels CK_TABLE = {
  CK_ISA_NAME,
  ck_unary, ck_binary, ck_reduce, ck_arg_reduce, ck_permute, CK_NS::gemmK,
  CK_NS::conv2dK, CK_NS::conv2dBackwardDataK, CK_NS::conv2dBackwardWeightK,
  CK_NS::maxPool2dK, CK_NS::maxPool2dBackwardK, CK_NS::avgPool2dK, CK_NS::avgPool2dBackwardK,
  CK_NS::conv2dActK, CK_NS::conv2dActPoolK,
};
