// Run-time CPU feature probe: which instruction sets the kernel table may use.
#include "ckernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static unsigned long long ck_xgetbv0(void) {
    unsigned int lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

unsigned int ck_cpu_features(void) {
    unsigned int a, b, c, d, features = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    const int has_fma = (c >> 12) & 1, has_osxsave = (c >> 27) & 1, has_avx = (c >> 28) & 1;
    const int has_f16c = (c >> 29) & 1;
    if (!has_osxsave || !has_avx) return 0;
    const unsigned long long xcr0 = ck_xgetbv0();
    if ((xcr0 & 0x6) != 0x6) return 0;                    // OS saves XMM and YMM state
    const int os_avx512 = (xcr0 & 0xE6) == 0xE6;          // ... and opmask/ZMM state
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    if ((b >> 5) & 1) features |= CK_FEATURE_AVX2;
    if (has_fma) features |= CK_FEATURE_FMA;
    if (has_f16c) features |= CK_FEATURE_F16C;
    if (os_avx512) {
        if ((b >> 16) & 1) features |= CK_FEATURE_AVX512F;
        if ((b >> 30) & 1) features |= CK_FEATURE_AVX512BW;
        if ((b >> 31) & 1) features |= CK_FEATURE_AVX512VL;
        if ((c >> 11) & 1) features |= CK_FEATURE_AVX512VNNI;
    }
    return features;
}
#elif defined(__aarch64__)
unsigned int ck_cpu_features(void) { return CK_FEATURE_NEON; }
#else
unsigned int ck_cpu_features(void) { return 0; }
#endif
