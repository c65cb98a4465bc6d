#ifndef CK_TRANSFORMER_H
#define CK_TRANSFORMER_H

#include <stddef.h>
#include <stdint.h>

/// Element-wise and attention kernels of the transformer block, on f32 activations; the KV
/// cache holds IEEE half-precision values (as llama.cpp's default f16 cache), half the memory
/// and half the bytes attention reads, widened to f32 as they are loaded.
/// Written with clang vector extensions so one source serves every ISA; on x86-64 each is
/// cloned for AVX2+FMA and chosen at load time (ifunc), with a baseline SSE2 fallback.

/// out[i] = gate[i] * sigmoid(gate[i]) * up[i]
void ck_silu_mul(const float *gate, const float *up, float *out, int n);

/// x[i] = x[i] * inv_rms * weight[i] where inv_rms = 1/sqrt(mean(x^2) + eps); src may equal dst.
void ck_rms_norm(const float *src, const float *weight, float *dst, int n, float eps);

/// dst[i] += src[i]
void ck_add_inplace(float *dst, const float *src, int n);

/// y[i] += Σ_j values[j] * float(columns[j * column_stride + i]) for i < n, j < n_columns in
/// ascending j (IEEE half-precision columns): y is read and written once.
void ck_add_columns_f16(float *y, const uint16_t *columns, size_t column_stride, const float *values, int n_columns, int n);

/// dst[i] = the IEEE half nearest to src[i] (round half to even): how keys and values enter the cache.
void ck_store_f16(const float *src, uint16_t *dst, int n);

/// Causal attention of one query token over a paged KV sequence, for one KV head and the
/// `n_group` query heads that share it (grouped-query attention).
///
/// q: n_group rows of head_dim floats, `q_stride` apart. out: same shape, `out_stride` apart.
/// k_base / v_base: the (layer, kv head) origin in the half-precision pools; slot s of block b is at
/// base + b * block_stride + s * slot_stride. The sequence's first n_ctx positions are visible.
/// head_dim <= 256, n_group <= 16.
void ck_attention_paged(const float *q, size_t q_stride, float *out, size_t out_stride,
                        int n_group, int head_dim,
                        const uint16_t *k_base, const uint16_t *v_base,
                        const int32_t *block_table, int block_size,
                        size_t block_stride, size_t slot_stride,
                        int n_ctx, float scale);

/// Whether the AVX2+FMA+F16C variants run on this CPU; the `_at` forms below run the baseline
/// variant (avx2 = 0) or the AVX2 one (avx2 = 1, where supported), so tests cover every level.
int ck_transformer_has_avx2(void);
void ck_store_f16_at(int avx2, const float *src, uint16_t *dst, int n);
void ck_attention_paged_at(int avx2, const float *q, size_t q_stride, float *out, size_t out_stride, int n_group,
                           int head_dim, const uint16_t *k_base, const uint16_t *v_base, const int32_t *block_table,
                           int block_size, size_t block_stride, size_t slot_stride, int n_ctx, float scale);

#endif
