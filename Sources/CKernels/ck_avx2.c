// AVX2 + FMA + F16C kernels (x86-64). The bodies live in x86_kernels_body.h.
#include "ckernels.h"

#if defined(__x86_64__)
#define CK_TARGET __attribute__((target("avx2,fma,f16c")))
#define CK_SUFFIX avx2
#define CK_VNNI 0
#include "x86_kernels_body.h"
#endif
