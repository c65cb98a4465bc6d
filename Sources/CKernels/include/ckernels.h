// C inner loops for ConServe's matmul kernels. Each ISA variant is compiled with a per-function
// target attribute, so the package needs no global -m flags; the Swift kernel table picks the
// variant at start-up from ck_cpu_features().
//
// Layouts are documented in Sources/Kernels/QuantFormat.swift (weights: ggml's blocks;
// activations: q8x32 = nb floats d, nb floats s, then nb*32 int8; q8K = nb blocks of
// {float d; int16 bsums[16]; int8 q[256]}).
#ifndef CKERNELS_H
#define CKERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CK_FEATURE_AVX2 1
#define CK_FEATURE_FMA 2
#define CK_FEATURE_F16C 4
#define CK_FEATURE_AVX512F 8
#define CK_FEATURE_AVX512BW 16
#define CK_FEATURE_AVX512VL 32
#define CK_FEATURE_AVX512VNNI 64
#define CK_FEATURE_NEON 128

/// Bit set of CK_FEATURE_* the CPU and OS support (OS state saving checked with xgetbv).
unsigned int ck_cpu_features(void);

/// out[t * out_stride + r] = dot(weight row r, activation row t) for r < rows, t < tokens.
/// Row r of the weights starts at w + r * w_row_bytes; activation row t at a + t * a_row_bytes.
/// k is a multiple of the weight format's block size.
typedef void (*ck_matmul_fn)(const void *w, size_t w_row_bytes, int rows, int k,
                             const void *a, size_t a_row_bytes, int tokens,
                             float *out, size_t out_stride);

/// Encode k floats (a multiple of the block size) as q8x32 or q8K activations.
typedef void (*ck_quantize_fn)(const float *x, int k, void *dst);

// x86-64 only (the symbols exist only in x86-64 builds), AVX2 + FMA + F16C.
void ck_quantize_q8x32_avx2(const float *x, int k, void *dst);
void ck_quantize_q8K_avx2(const float *x, int k, void *dst);
void ck_matmul_f32_avx2(const void *w, size_t w_row_bytes, int rows, int k, const void *a, size_t a_row_bytes, int tokens, float *out, size_t out_stride);
void ck_matmul_f16_avx2(const void *w, size_t w_row_bytes, int rows, int k, const void *a, size_t a_row_bytes, int tokens, float *out, size_t out_stride);
void ck_matmul_bf16_avx2(const void *w, size_t w_row_bytes, int rows, int k, const void *a, size_t a_row_bytes, int tokens, float *out, size_t out_stride);
void ck_matmul_q4_0_avx2(const void *w, size_t w_row_bytes, int rows, int k, const void *a, size_t a_row_bytes, int tokens, float *out, size_t out_stride);
void ck_matmul_q4_1_avx2(const void *w, size_t w_row_bytes, int rows, int k, const void *a, size_t a_row_bytes, int tokens, float *out, size_t out_stride);
void ck_matmul_q8_0_avx2(const void *w, size_t w_row_bytes, int rows, int k, const void *a, size_t a_row_bytes, int tokens, float *out, size_t out_stride);
void ck_matmul_q4_K_avx2(const void *w, size_t w_row_bytes, int rows, int k, const void *a, size_t a_row_bytes, int tokens, float *out, size_t out_stride);
void ck_matmul_q6_K_avx2(const void *w, size_t w_row_bytes, int rows, int k, const void *a, size_t a_row_bytes, int tokens, float *out, size_t out_stride);
void ck_matmul_q5_0_avx2(const void *w, size_t w_row_bytes, int rows, int k, const void *a, size_t a_row_bytes, int tokens, float *out, size_t out_stride);
void ck_matmul_q5_1_avx2(const void *w, size_t w_row_bytes, int rows, int k, const void *a, size_t a_row_bytes, int tokens, float *out, size_t out_stride);
void ck_matmul_iq4_nl_avx2(const void *w, size_t w_row_bytes, int rows, int k, const void *a, size_t a_row_bytes, int tokens, float *out, size_t out_stride);
void ck_matmul_q2_K_avx2(const void *w, size_t w_row_bytes, int rows, int k, const void *a, size_t a_row_bytes, int tokens, float *out, size_t out_stride);
void ck_matmul_q3_K_avx2(const void *w, size_t w_row_bytes, int rows, int k, const void *a, size_t a_row_bytes, int tokens, float *out, size_t out_stride);
void ck_matmul_q5_K_avx2(const void *w, size_t w_row_bytes, int rows, int k, const void *a, size_t a_row_bytes, int tokens, float *out, size_t out_stride);
void ck_matmul_iq4_xs_avx2(const void *w, size_t w_row_bytes, int rows, int k, const void *a, size_t a_row_bytes, int tokens, float *out, size_t out_stride);

// x86-64, AVX-512 F/BW/VL + VNNI (the same algorithms with vpdpbusd and 32 vector registers).
// Not run on the development machine (no AVX-512 there); see ck_avx512.c.
void ck_quantize_q8x32_avx512(const float *x, int k, void *dst);
void ck_quantize_q8K_avx512(const float *x, int k, void *dst);
void ck_matmul_f32_avx512(const void *w, size_t w_row_bytes, int rows, int k, const void *a, size_t a_row_bytes, int tokens, float *out, size_t out_stride);
void ck_matmul_f16_avx512(const void *w, size_t w_row_bytes, int rows, int k, const void *a, size_t a_row_bytes, int tokens, float *out, size_t out_stride);
void ck_matmul_bf16_avx512(const void *w, size_t w_row_bytes, int rows, int k, const void *a, size_t a_row_bytes, int tokens, float *out, size_t out_stride);
void ck_matmul_q4_0_avx512(const void *w, size_t w_row_bytes, int rows, int k, const void *a, size_t a_row_bytes, int tokens, float *out, size_t out_stride);
void ck_matmul_q4_1_avx512(const void *w, size_t w_row_bytes, int rows, int k, const void *a, size_t a_row_bytes, int tokens, float *out, size_t out_stride);
void ck_matmul_q8_0_avx512(const void *w, size_t w_row_bytes, int rows, int k, const void *a, size_t a_row_bytes, int tokens, float *out, size_t out_stride);
void ck_matmul_q4_K_avx512(const void *w, size_t w_row_bytes, int rows, int k, const void *a, size_t a_row_bytes, int tokens, float *out, size_t out_stride);
void ck_matmul_q6_K_avx512(const void *w, size_t w_row_bytes, int rows, int k, const void *a, size_t a_row_bytes, int tokens, float *out, size_t out_stride);
void ck_matmul_q5_0_avx512(const void *w, size_t w_row_bytes, int rows, int k, const void *a, size_t a_row_bytes, int tokens, float *out, size_t out_stride);
void ck_matmul_q5_1_avx512(const void *w, size_t w_row_bytes, int rows, int k, const void *a, size_t a_row_bytes, int tokens, float *out, size_t out_stride);
void ck_matmul_iq4_nl_avx512(const void *w, size_t w_row_bytes, int rows, int k, const void *a, size_t a_row_bytes, int tokens, float *out, size_t out_stride);
void ck_matmul_q2_K_avx512(const void *w, size_t w_row_bytes, int rows, int k, const void *a, size_t a_row_bytes, int tokens, float *out, size_t out_stride);
void ck_matmul_q3_K_avx512(const void *w, size_t w_row_bytes, int rows, int k, const void *a, size_t a_row_bytes, int tokens, float *out, size_t out_stride);
void ck_matmul_q5_K_avx512(const void *w, size_t w_row_bytes, int rows, int k, const void *a, size_t a_row_bytes, int tokens, float *out, size_t out_stride);
void ck_matmul_iq4_xs_avx512(const void *w, size_t w_row_bytes, int rows, int k, const void *a, size_t a_row_bytes, int tokens, float *out, size_t out_stride);

#ifdef __cplusplus
}
#endif

#endif
