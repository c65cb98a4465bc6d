#include "ck_transformer.h"
#include <math.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

typedef float v8f __attribute__((vector_size(32), aligned(4)));
typedef int32_t v8i __attribute__((vector_size(32), aligned(4)));

// Baseline build of every kernel (SSE2 on x86-64, NEON on arm64). Its 256-bit vectors are
// split by the compiler; the helpers are static, so their ABI never crosses a boundary.
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wpsabi"
#define CK_NAME(x) x##_generic
#include "transformer_impl.inc"
#undef CK_NAME
#pragma clang diagnostic pop

#if defined(__x86_64__)
// The same source compiled for AVX2 + FMA.
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define CK_NAME(x) x##_avx2
#include "transformer_impl.inc"
#undef CK_NAME
#pragma clang attribute pop

static int ck_has_avx2(void) {
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    return cached;
}
#define CK_DISPATCH(name, ...) (ck_has_avx2() ? name##_avx2(__VA_ARGS__) : name##_generic(__VA_ARGS__))
#else
#define CK_DISPATCH(name, ...) name##_generic(__VA_ARGS__)
#endif

void ck_silu_mul(const float *gate, const float *up, float *out, int n) {
    CK_DISPATCH(ck_silu_mul, gate, up, out, n);
}

void ck_rms_norm(const float *src, const float *weight, float *dst, int n, float eps) {
    CK_DISPATCH(ck_rms_norm, src, weight, dst, n, eps);
}

void ck_add_inplace(float *dst, const float *src, int n) {
    CK_DISPATCH(ck_add_inplace, dst, src, n);
}

static float ck_half_to_float(uint16_t h) {
    const uint32_t sign = ((uint32_t)h & 0x8000u) << 16, exp = (h >> 10) & 0x1F, man = h & 0x3FF;
    uint32_t u;
    if (exp == 0) {
        const float f = (float)man * 5.9604644775390625e-8f;  // subnormal: man · 2^-24
        return sign ? -f : f;
    }
    u = sign | (exp == 31 ? 0x7F800000u | (man << 13) : ((exp + 112) << 23) | (man << 13));
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static void ck_add_columns_f16_generic(float *y, const uint16_t *columns, size_t column_stride, const float *values,
                                       int n_columns, int n) {
    for (int i = 0; i < n; i++) {
        float acc = y[i];
        for (int j = 0; j < n_columns; j++) acc += values[j] * ck_half_to_float(columns[(size_t)j * column_stride + i]);
        y[i] = acc;
    }
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma,f16c")))
static void ck_add_columns_f16_avx2(float *y, const uint16_t *columns, size_t column_stride, const float *values,
                                    int n_columns, int n) {
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 acc = _mm256_loadu_ps(y + i);
        for (int j = 0; j < n_columns; j++) {
            const __m256 c = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(columns + (size_t)j * column_stride + i)));
            acc = _mm256_fmadd_ps(_mm256_set1_ps(values[j]), c, acc);
        }
        _mm256_storeu_ps(y + i, acc);
    }
    for (; i < n; i++) {
        float acc = y[i];
        for (int j = 0; j < n_columns; j++) acc = fmaf(values[j], _cvtsh_ss(columns[(size_t)j * column_stride + i]), acc);
        y[i] = acc;
    }
}
#endif

void ck_add_columns_f16(float *y, const uint16_t *columns, size_t column_stride, const float *values, int n_columns, int n) {
    CK_DISPATCH(ck_add_columns_f16, y, columns, column_stride, values, n_columns, n);
}

void ck_attention_paged(const float *q, size_t q_stride, float *out, size_t out_stride,
                        int n_group, int head_dim,
                        const float *k_base, const float *v_base,
                        const int32_t *block_table, int block_size,
                        size_t block_stride, size_t slot_stride,
                        int n_ctx, float scale) {
    CK_DISPATCH(ck_attention_paged, q, q_stride, out, out_stride, n_group, head_dim, k_base, v_base,
                block_table, block_size, block_stride, slot_stride, n_ctx, scale);
}
