#include "ck_transformer.h"
#include <math.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

typedef float v8f __attribute__((vector_size(32), aligned(4)));
typedef int32_t v8i __attribute__((vector_size(32), aligned(4)));

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

/// The IEEE half nearest to x (round half to even, overflow to infinity, a NaN stays a quiet
/// NaN with its payload's top bits): what F16C's vcvtps2ph gives with round-to-nearest.
static uint16_t ck_float_to_half(float x) {
    uint32_t bits;
    memcpy(&bits, &x, 4);
    const uint16_t sign = (uint16_t)((bits >> 16) & 0x8000u);
    const int exponent = (int)((bits >> 23) & 0xFF);
    uint32_t mantissa = bits & 0x7FFFFFu;
    if (exponent == 0xFF) return sign | 0x7C00u | (mantissa ? 0x200u | (uint16_t)(mantissa >> 13) : 0);
    const int e = exponent - 127 + 15;
    if (e >= 31) return sign | 0x7C00u;
    if (e <= 0) {
        if (e < -10) return sign;
        mantissa |= 0x800000u;
        const uint32_t shift = (uint32_t)(14 - e), half = 1u << (shift - 1), rest = mantissa & ((1u << shift) - 1);
        uint32_t m = mantissa >> shift;
        if (rest > half || (rest == half && (m & 1))) m++;
        return sign | (uint16_t)m;
    }
    uint32_t h = ((uint32_t)e << 10) | (mantissa >> 13);
    const uint32_t rest = mantissa & 0x1FFFu;
    if (rest > 0x1000u || (rest == 0x1000u && (h & 1))) h++;  // may carry into the exponent: correct
    return sign | (uint16_t)h;
}

static inline v8f ck_half8_generic(const uint16_t *p) {
    v8f v;
    for (int i = 0; i < 8; i++) v[i] = ck_half_to_float(p[i]);
    return v;
}

// Baseline build of every kernel (SSE2 on x86-64, NEON on arm64). Its 256-bit vectors are
// split by the compiler; the helpers are static, so their ABI never crosses a boundary.
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wpsabi"
#define CK_NAME(x) x##_generic
#define CK_HALF8(p) ck_half8_generic(p)
#define CK_HALF1(h) ck_half_to_float(h)
#include "transformer_impl.inc"
#undef CK_HALF8
#undef CK_HALF1
#undef CK_NAME
#pragma clang diagnostic pop

#if defined(__x86_64__)
// The same source compiled for AVX2 + FMA + F16C (every AVX2 CPU has F16C).
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)
#define CK_NAME(x) x##_avx2
#define CK_HALF8(p) ((v8f)_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(p))))
#define CK_HALF1(h) _cvtsh_ss(h)
#include "transformer_impl.inc"
#undef CK_HALF8
#undef CK_HALF1
#undef CK_NAME
#pragma clang attribute pop

static int ck_has_avx2(void) {
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    }
    return cached;
}
#define CK_AT_LEVEL(avx2, name, ...) ((avx2) && ck_has_avx2() ? name##_avx2(__VA_ARGS__) : name##_generic(__VA_ARGS__))
#define CK_DISPATCH(name, ...) CK_AT_LEVEL(1, name, __VA_ARGS__)
#else
#define CK_AT_LEVEL(avx2, name, ...) name##_generic(__VA_ARGS__)
#define CK_DISPATCH(name, ...) CK_AT_LEVEL(1, name, __VA_ARGS__)
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

static void ck_store_f16_generic(const float *src, uint16_t *dst, int n) {
    for (int i = 0; i < n; i++) dst[i] = ck_float_to_half(src[i]);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma,f16c")))
static void ck_store_f16_avx2(const float *src, uint16_t *dst, int n) {
    int i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(dst + i), _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    for (; i < n; i++) dst[i] = ck_float_to_half(src[i]);
}
#endif

void ck_store_f16(const float *src, uint16_t *dst, int n) {
    CK_DISPATCH(ck_store_f16, src, dst, n);
}

#if defined(__x86_64__)
int ck_transformer_has_avx2(void) { return ck_has_avx2(); }
#else
int ck_transformer_has_avx2(void) { return 0; }
#endif

void ck_store_f16_at(int avx2, const float *src, uint16_t *dst, int n) {
    CK_AT_LEVEL(avx2, ck_store_f16, src, dst, n);
}

void ck_attention_paged_at(int avx2, const float *q, size_t q_stride, float *out, size_t out_stride, int n_group,
                           int head_dim, const uint16_t *k_base, const uint16_t *v_base, const int32_t *block_table,
                           int block_size, size_t block_stride, size_t slot_stride, int n_ctx, float scale) {
    CK_AT_LEVEL(avx2, ck_attention_paged, q, q_stride, out, out_stride, n_group, head_dim, k_base, v_base,
                block_table, block_size, block_stride, slot_stride, n_ctx, scale);
}

void ck_attention_paged(const float *q, size_t q_stride, float *out, size_t out_stride,
                        int n_group, int head_dim,
                        const uint16_t *k_base, const uint16_t *v_base,
                        const int32_t *block_table, int block_size,
                        size_t block_stride, size_t slot_stride,
                        int n_ctx, float scale) {
    CK_DISPATCH(ck_attention_paged, q, q_stride, out, out_stride, n_group, head_dim, k_base, v_base,
                block_table, block_size, block_stride, slot_stride, n_ctx, scale);
}
