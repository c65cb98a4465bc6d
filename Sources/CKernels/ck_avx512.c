// AVX-512 (F/BW/VL) + VNNI kernels (x86-64): the AVX2 algorithms with vpdpbusd / vpdpwssd on
// 256-bit vectors and the 32 vector registers AVX-512 provides. The bodies live in
// x86_kernels_body.h.
//
// NOTE: the development machine has no AVX-512, so this file is compiled but has never been run
// there. The KernelsTests suite runs every level the CPU supports against the scalar reference,
// so running it once on an AVX-512 VNNI machine validates these kernels.
#include "ckernels.h"

#if defined(__x86_64__)
#define CK_TARGET __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))
#define CK_SUFFIX avx512
#define CK_VNNI 1
#include "x86_kernels_body.h"
#endif
