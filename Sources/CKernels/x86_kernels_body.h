// The x86 matmul kernels, written once and compiled twice: ck_avx2.c and ck_avx512.c include
// this file after defining
//   CK_TARGET  the function target attribute,
//   CK_SUFFIX  the suffix of the exported names (avx2 / avx512),
//   CK_VNNI    1 to use vpdpbusd / vpdpwssd (AVX-512 VNNI on 256-bit vectors), 0 for AVX2.
//
// Structure of every quantized matmul: a "tile" computes R weight rows × T tokens at once, so
// each weight block is loaded and unpacked once per tile and reused for T tokens; the driver
// walks rows in chunks small enough to stay in L1/L2 while it sweeps all tokens in tiles of 4.
// tokens == 1 (decode) uses 4-row tiles and streams the weights exactly once.
//
// Integer dot products: unsigned weight nibbles × signed int8 activations with vpmaddubsw
// (pairs summed to int16; at most 2·63·127, no saturation) then vpmaddwd to int32 against ones
// or against the per-sub-block scales (K-quants). Float scales are applied once per block.

#include <immintrin.h>
#include <string.h>

#define CK_CAT2(a, b) a##_##b
#define CK_CAT(a, b) CK_CAT2(a, b)
#define CK_FN(name) CK_CAT(name, CK_SUFFIX)
#define CK_INLINE static inline __attribute__((always_inline)) CK_TARGET

// Rows of one chunk: about this many weight bytes, re-read from L1/L2 for every token tile.
#define CK_CHUNK_BYTES (48 * 1024)

// ---------------------------------------------------------------------------------------------
// Small helpers

/// Σ over groups of 4 adjacent u8·s8 products → 8 × int32.
CK_INLINE __m256i ck_dot_u8s8(__m256i u, __m256i s) {
#if CK_VNNI
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s);
#else
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
#endif
}

/// acc + Σ pairs of (x16 · s16) → 8 × int32.
CK_INLINE __m256i ck_madd_acc(__m256i acc, __m256i x16, __m256i s16) {
#if CK_VNNI
    return _mm256_dpwssd_epi32(acc, x16, s16);
#else
    return _mm256_add_epi32(acc, _mm256_madd_epi16(x16, s16));
#endif
}

CK_INLINE float ck_h2f(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

/// [Σa, Σb, Σc, Σd] of four 8-lane vectors.
CK_INLINE __m128 ck_hsum4(__m256 a, __m256 b, __m256 c, __m256 d) {
    const __m256 ab = _mm256_hadd_ps(a, b);
    const __m256 cd = _mm256_hadd_ps(c, d);
    const __m256 abcd = _mm256_hadd_ps(ab, cd);
    return _mm_add_ps(_mm256_castps256_ps128(abcd), _mm256_extractf128_ps(abcd, 1));
}

CK_INLINE int ck_hsum_epi32(__m256i v) {
    __m128i x = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    x = _mm_add_epi32(x, _mm_unpackhi_epi64(x, x));
    x = _mm_add_epi32(x, _mm_shuffle_epi32(x, 0xB1));
    return _mm_cvtsi128_si32(x);
}

CK_INLINE float ck_hmax(__m256 v) {
    __m128 x = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    x = _mm_max_ps(x, _mm_movehl_ps(x, x));
    x = _mm_max_ss(x, _mm_movehdup_ps(x));
    return _mm_cvtss_f32(x);
}

/// Write the T (≤ 4) lanes of `sums` to out[t * os] .
CK_INLINE void ck_store_lanes(__m128 sums, float *out, size_t os, const int T) {
    float tmp[4];
    _mm_storeu_ps(tmp, sums);
    for (int t = 0; t < T; t++) out[t * os] = tmp[t];
}

/// Prefetches `bytes` starting at p, one cache line at a time. Weight tiles call it for the
/// matching slice of the next tile (the R rows after theirs) as they go, so the stream of
/// weights from memory runs ahead of the arithmetic; it roughly doubled single-token decode.
CK_INLINE void ck_prefetch_span(const uint8_t *p, size_t bytes) {
    for (size_t o = 0; o < bytes; o += 64) _mm_prefetch((const char *)(p + o), _MM_HINT_T0);
}

static inline int ck_chunk_rows(size_t row_bytes, int rows) {
    size_t c = CK_CHUNK_BYTES / (row_bytes ? row_bytes : 1);
    if (c < 4) c = 4;
    c &= ~(size_t)1;
    return c > (size_t)rows ? rows : (int)c;
}

// Calls TILE(R, T) with compile-time R and T (T = 1...4 from a runtime value).
#define CK_TILE_T(TILE, R, T)           \
    switch (T) {                        \
        case 1: TILE(R, 1); break;      \
        case 2: TILE(R, 2); break;      \
        case 3: TILE(R, 3); break;      \
        default: TILE(R, 4); break;     \
    }

// The common driver: decode (4-row tiles, one token) or chunked rows × 4-token tiles.
// PREP(t0, T) runs before each token tile; TILE(R, T) computes rows r..r+R of that tile.
#define CK_DRIVE(rows, tokens, ws, PREP, TILE)                                      \
    do {                                                                             \
        if ((tokens) == 1) {                                                         \
            const int t0 = 0;                                                        \
            (void)t0;                                                                \
            PREP(0, 1);                                                              \
            int r = 0;                                                               \
            for (; r + 4 <= (rows); r += 4) TILE(4, 1);                              \
            for (; r < (rows); r++) TILE(1, 1);                                      \
        } else {                                                                     \
            const int chunk = ck_chunk_rows((ws), (rows));                           \
            for (int r0 = 0; r0 < (rows); r0 += chunk) {                             \
                const int rend = r0 + chunk < (rows) ? r0 + chunk : (rows);          \
                for (int t0 = 0; t0 < (tokens); t0 += 4) {                           \
                    const int T = (tokens) - t0 < 4 ? (tokens) - t0 : 4;             \
                    PREP(t0, T);                                                     \
                    int r = r0;                                                      \
                    for (; r + 2 <= rend; r += 2) CK_TILE_T(TILE, 2, T)              \
                    for (; r < rend; r++) CK_TILE_T(TILE, 1, T)                      \
                }                                                                    \
            }                                                                        \
        }                                                                            \
    } while (0)

// ---------------------------------------------------------------------------------------------
// Activation quantization (bit-identical to ReferenceKernels.quantizeActivations)

/// 32 floats → 32 int8 at q; returns Σq, sets *d.
CK_INLINE int ck_quant32(const float *x, int8_t *q, float id) {
    const __m256 vid = _mm256_set1_ps(id);
    const __m256i i0 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x), vid));
    const __m256i i1 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 8), vid));
    const __m256i i2 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 16), vid));
    const __m256i i3 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 24), vid));
    const int sum = ck_hsum_epi32(_mm256_add_epi32(_mm256_add_epi32(i0, i1), _mm256_add_epi32(i2, i3)));
    const __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
    // packs work per 128-bit lane: 4-byte groups come out as i0lo i1lo i2lo i3lo | i0hi ...
    const __m256i fixed = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256((__m256i *)q, fixed);
    return sum;
}

CK_INLINE float ck_absmax(const float *x, int n) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 m = _mm256_setzero_ps();
    for (int i = 0; i < n; i += 8) m = _mm256_max_ps(m, _mm256_andnot_ps(sign, _mm256_loadu_ps(x + i)));
    return ck_hmax(m);
}

CK_TARGET void CK_FN(ck_quantize_q8x32)(const float *x, int k, void *dst) {
    const int nb = k / 32;
    float *scales = (float *)dst;
    int8_t *q = (int8_t *)dst + (size_t)nb * 8;
    for (int b = 0; b < nb; b++) {
        const float amax = ck_absmax(x + 32 * b, 32);
        const float d = amax / 127.0f;
        const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
        const int sum = ck_quant32(x + 32 * b, q + 32 * b, id);
        scales[b] = d;
        scales[nb + b] = d * (float)sum;
    }
}

CK_TARGET void CK_FN(ck_quantize_q8K)(const float *x, int k, void *dst) {
    const int nb = k / 256;
    for (int b = 0; b < nb; b++) {
        uint8_t *blk = (uint8_t *)dst + (size_t)b * 292;
        const float *xb = x + 256 * b;
        const float amax = ck_absmax(xb, 256);
        const float d = amax / 127.0f;
        const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
        int8_t *q = (int8_t *)(blk + 36);
        memcpy(blk, &d, 4);
        for (int g = 0; g < 8; g++) {
            ck_quant32(xb + 32 * g, q + 32 * g, id);
            // Per-16 sums of the stored int8 (exact integers).
            const __m256i lo = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(q + 32 * g)));
            const __m256i hi = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(q + 32 * g + 16)));
            const int16_t s0 = (int16_t)ck_hsum_epi32(_mm256_madd_epi16(lo, _mm256_set1_epi16(1)));
            const int16_t s1 = (int16_t)ck_hsum_epi32(_mm256_madd_epi16(hi, _mm256_set1_epi16(1)));
            memcpy(blk + 4 + 4 * g, &s0, 2);
            memcpy(blk + 6 + 4 * g, &s1, 2);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Float weights (f32 / f16 / bf16) × f32 activations

#define CK_FP_F32 0
#define CK_FP_F16 1
#define CK_FP_BF16 2

CK_INLINE __m256 ck_load8(const uint8_t *w, int i, const int kind) {
    if (kind == CK_FP_F32) return _mm256_loadu_ps((const float *)w + i);
    const __m128i h = _mm_loadu_si128((const __m128i *)((const uint16_t *)w + i));
    if (kind == CK_FP_F16) return _mm256_cvtph_ps(h);
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

CK_INLINE float ck_load1(const uint8_t *w, int i, const int kind) {
    if (kind == CK_FP_F32) { float f; memcpy(&f, w + 4 * i, 4); return f; }
    uint16_t h;
    memcpy(&h, w + 2 * i, 2);
    if (kind == CK_FP_F16) return _cvtsh_ss(h);
    const uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

CK_INLINE void ck_fp_tile(const uint8_t *w, size_t ws, const float *a, size_t as_floats, int k,
                          float *out, size_t os, const int R, const int T, const int kind) {
    __m256 acc[4][4];
    for (int r = 0; r < R; r++)
        for (int t = 0; t < 4; t++) acc[r][t] = _mm256_setzero_ps();
    const size_t esize = kind == CK_FP_F32 ? 4 : 2;
    int i = 0;
    for (; i + 8 <= k; i += 8) {
        if ((i & 15) == 0) ck_prefetch_span(w + (size_t)R * ws + (size_t)i * esize * R, 16 * esize * R);
        __m256 wv[4];
        for (int r = 0; r < R; r++) wv[r] = ck_load8(w + r * ws, i, kind);
        for (int t = 0; t < T; t++) {
            const __m256 av = _mm256_loadu_ps(a + t * as_floats + i);
            for (int r = 0; r < R; r++) acc[r][t] = _mm256_fmadd_ps(wv[r], av, acc[r][t]);
        }
    }
    for (int r = 0; r < R; r++) {
        __m128 sums = ck_hsum4(acc[r][0], acc[r][1], acc[r][2], acc[r][3]);
        float tail[4] = {0, 0, 0, 0};
        for (int j = i; j < k; j++) {
            const float wj = ck_load1(w + r * ws, j, kind);
            for (int t = 0; t < T; t++) tail[t] += wj * a[t * as_floats + j];
        }
        sums = _mm_add_ps(sums, _mm_loadu_ps(tail));
        ck_store_lanes(sums, out + r, os, T);
    }
}

#define CK_FP_MATMUL(NAME, KIND)                                                                   \
    CK_TARGET void CK_FN(NAME)(const void *w, size_t ws, int rows, int k, const void *a, size_t as,  \
                               int tokens, float *out, size_t os) {                                \
        const uint8_t *wb = (const uint8_t *)w;                                                    \
        const float *af = (const float *)a;                                                        \
        const size_t asf = as / 4;                                                                 \
        _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wunused-value\"")        \
        CK_DRIVE(rows, tokens, ws, CK_FP_PREP, CK_FP_TILE_##KIND);                                 \
        _Pragma("GCC diagnostic pop")                                                              \
    }
#define CK_FP_PREP(t0, T) ((void)0)
#define CK_FP_TILE_F32(R, T) ck_fp_tile(wb + (size_t)r * ws, ws, af + (size_t)t0 * asf, asf, k, out + (size_t)t0 * os + r, os, R, T, CK_FP_F32)
#define CK_FP_TILE_F16(R, T) ck_fp_tile(wb + (size_t)r * ws, ws, af + (size_t)t0 * asf, asf, k, out + (size_t)t0 * os + r, os, R, T, CK_FP_F16)
#define CK_FP_TILE_BF16(R, T) ck_fp_tile(wb + (size_t)r * ws, ws, af + (size_t)t0 * asf, asf, k, out + (size_t)t0 * os + r, os, R, T, CK_FP_BF16)

CK_FP_MATMUL(ck_matmul_f32, F32)
CK_FP_MATMUL(ck_matmul_f16, F16)
CK_FP_MATMUL(ck_matmul_bf16, BF16)

// ---------------------------------------------------------------------------------------------
// 32-element blocks (q4_0, q4_1, q5_0, q5_1, q8_0, iq4_nl) × q8x32 activations
//
// Per block: dot = d_w·d_a·Σ q_w·q_a + m_w·s_a, with s_a = d_a·Σq_a from the activation row
// (q4_0 / q5_0 are q4_1 / q5_1 with m = -8·d / -16·d; q8_0 and iq4_nl have no min term).
//
// Several tokens: the weight scales of a row chunk are converted to float once (wd, wm: one
// float per row and block), then for each tile the products d_w·d_a and the min terms
// Σ_b m_w·s_a are computed 8 blocks per vector op, so the inner loop is only unpack, the integer
// dot, one conversion and one FMA with a broadcast-loaded scale per (row, token, block).
// One token: the scales are applied inline, streaming each weight block once.

#define CK_Q4_0 0
#define CK_Q4_1 1
#define CK_Q8_0 2
#define CK_Q5_0 3
#define CK_Q5_1 4
#define CK_IQ4_NL 5

CK_INLINE size_t ck_q8x32_block_bytes(const int kind) {
    switch (kind) {
        case CK_Q4_1: return 20;
        case CK_Q8_0: return 34;
        case CK_Q5_0: return 22;
        case CK_Q5_1: return 24;
        default: return 18;  // q4_0, iq4_nl
    }
}

/// Whether the block stores a float min after its scale (q4_1, q5_1).
CK_INLINE int ck_q8x32_stores_min(const int kind) { return kind == CK_Q4_1 || kind == CK_Q5_1; }
/// Whether the dot product has a min term m_w·s_a (stored, or the centring offset of q4_0/q5_0).
CK_INLINE int ck_q8x32_has_min(const int kind) { return kind != CK_Q8_0 && kind != CK_IQ4_NL; }
/// Whether the unpacked weights are signed bytes (then the dot is |w| · sign(a, w), since
/// vpmaddubsw needs an unsigned operand) rather than unsigned quants.
CK_INLINE int ck_q8x32_signed(const int kind) { return kind == CK_Q8_0 || kind == CK_IQ4_NL; }
/// The offset q4_0 / q5_0 centre their unsigned quants on; the min term is -offset·d.
CK_INLINE float ck_q8x32_offset(const int kind) { return kind == CK_Q4_0 ? 8.0f : kind == CK_Q5_0 ? 16.0f : 0.0f; }

/// ggml's iq4 table (kvalues_iq4nl) in both 128-bit lanes, for vpshufb lookups by nibble.
CK_INLINE __m256i ck_iq4_table(void) {
    return _mm256_broadcastsi128_si256(
        _mm_setr_epi8(-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113));
}

/// The 5th bits of a q5_0 / q5_1 block as 0x10 / 0 per element (byte j ← bit j of qh).
CK_INLINE __m256i ck_q5_high_bits(const uint8_t *qh_bytes) {
    uint32_t qh;
    memcpy(&qh, qh_bytes, 4);
    // Byte j takes qh's byte j/8, then tests bit j%8.
    const __m256i spread = _mm256_shuffle_epi8(_mm256_set1_epi32((int)qh),
        _mm256_setr_epi64x(0x0000000000000000LL, 0x0101010101010101LL, 0x0202020202020202LL, 0x0303030303030303LL));
    const __m256i bit = _mm256_set1_epi64x((long long)0x8040201008040201ULL);
    return _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit), _mm256_set1_epi8(0x10));
}

/// The 32 weights of a block as bytes: unsigned quants (q4_*, q5_*) or signed values (q8_0,
/// iq4_nl's table values).
CK_INLINE __m256i ck_q8x32_unpack(const uint8_t *blk, const int kind) {
    if (kind == CK_Q8_0) return _mm256_loadu_si256((const __m256i *)(blk + 2));
    const size_t qs = kind == CK_Q4_1 ? 4 : kind == CK_Q5_0 ? 6 : kind == CK_Q5_1 ? 8 : 2;
    const __m128i x = _mm_loadu_si128((const __m128i *)(blk + qs));
    const __m256i nibbles = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(x, 4), x), _mm256_set1_epi8(0x0F));
    if (kind == CK_IQ4_NL) return _mm256_shuffle_epi8(ck_iq4_table(), nibbles);
    if (kind == CK_Q5_0 || kind == CK_Q5_1) return _mm256_or_si256(nibbles, ck_q5_high_bits(blk + qs - 4));
    return nibbles;
}

CK_INLINE __m256i ck_q8x32_dot(__m256i wq, __m256i wu, __m256i av, const int kind) {
    return ck_q8x32_signed(kind) ? ck_dot_u8s8(wu, _mm256_sign_epi8(av, wq)) : ck_dot_u8s8(wq, av);
}

/// A block's weight scale d_w, and its min term's weight m_w (stored for q4_1 / q5_1, the
/// centring offset -offset·d_w for q4_0 / q5_0; unused by the formats without one).
CK_INLINE float ck_q8x32_min_weight(const uint8_t *blk, float d, const int kind) {
    return ck_q8x32_stores_min(kind) ? ck_h2f(blk + 2) : -ck_q8x32_offset(kind) * d;
}

/// [Σp0, Σp1, Σp2, Σp3]: the exact int32 sums of four 8-lane vectors (unpack and add only).
CK_INLINE __m128i ck_hsum4_epi32(__m256i p0, __m256i p1, __m256i p2, __m256i p3) {
    const __m256i t0 = _mm256_add_epi32(_mm256_unpacklo_epi32(p0, p1), _mm256_unpackhi_epi32(p0, p1));
    const __m256i t1 = _mm256_add_epi32(_mm256_unpacklo_epi32(p2, p3), _mm256_unpackhi_epi32(p2, p3));
    const __m256i u = _mm256_add_epi32(_mm256_unpacklo_epi64(t0, t1), _mm256_unpackhi_epi64(t0, t1));
    return _mm_add_epi32(_mm256_castsi256_si128(u), _mm256_extracti128_si256(u, 1));
}

// Every path below computes one (row, token) output the same way, so a token gets bit-identical
// results alone, in a small batch or in a long prompt: for each block in order, the exact
// integer dot product of the block, converted once, times d_w·d_a (one float product), added with
// one fma; beside it the min term Σ fma(m_w, s_a) (m_w = -offset·d_w for q4_0 / q5_0); the output
// is their sum. Only how many rows and tokens share the vector lanes differs.

/// One token, R (≤ 4) rows: lane r of the accumulators is row r.
CK_INLINE void ck_q8x32_rows1(const uint8_t *w, size_t ws, const uint8_t *a, int nb, float *out, const int R,
                              const int kind) {
    const size_t bb = ck_q8x32_block_bytes(kind);
    const float *da = (const float *)a, *sa = da + nb;
    const uint8_t *aq = a + (size_t)nb * 8;
    __m128 acc = _mm_setzero_ps(), accm = _mm_setzero_ps();
    // The next tile's rows (R·ws bytes right after these) are prefetched in step with this
    // one's progress, so the weight stream from memory stays ahead of the arithmetic.
    const uint8_t *next = w + (size_t)R * ws;
    const size_t ahead = (size_t)R * bb;
    for (int b = 0; b < nb; b++) {
        ck_prefetch_span(next + (size_t)b * ahead, 128);
        const __m256i av = _mm256_loadu_si256((const __m256i *)(aq + 32 * b));
        __m256i p[4];
        float dw[4] = {0, 0, 0, 0}, mw[4] = {0, 0, 0, 0};
        for (int r = 0; r < 4; r++) {
            if (r >= R) { p[r] = _mm256_setzero_si256(); continue; }
            const uint8_t *blk = w + r * ws + b * bb;
            const __m256i wq = ck_q8x32_unpack(blk, kind);
            const __m256i wu = ck_q8x32_signed(kind) ? _mm256_sign_epi8(wq, wq) : wq;
            p[r] = ck_q8x32_dot(wq, wu, av, kind);
            dw[r] = ck_h2f(blk);
            mw[r] = ck_q8x32_min_weight(blk, dw[r], kind);
        }
        const __m128i dot = ck_hsum4_epi32(p[0], p[1], p[2], p[3]);
        const __m128 scale = _mm_mul_ps(_mm_loadu_ps(dw), _mm_set1_ps(da[b]));
        acc = _mm_fmadd_ps(_mm_cvtepi32_ps(dot), scale, acc);
        if (ck_q8x32_has_min(kind)) accm = _mm_fmadd_ps(_mm_loadu_ps(mw), _mm_set1_ps(sa[b]), accm);
    }
    if (ck_q8x32_has_min(kind)) acc = _mm_add_ps(acc, accm);
    float tmp[4];
    _mm_storeu_ps(tmp, acc);
    for (int r = 0; r < R; r++) out[r] = tmp[r];
}

/// Gathers the current token tile into one contiguous buffer so the inner loop addresses all
/// tokens from a single pointer: tb[b·160 + 0..3] = d_a of tokens 0-3, [4..7] = s_a, then
/// 4 × 32 quants (token-major). Tokens beyond T are zero.
CK_INLINE void ck_q8x32_gather(const uint8_t *a, size_t as, int T, int nb, uint8_t *tb) {
    for (int b = 0; b < nb; b++) {
        float *f = (float *)(tb + (size_t)b * 160);
        for (int t = 0; t < 4; t++) {
            const float *sc = (const float *)(a + (size_t)t * as);
            f[t] = t < T ? sc[b] : 0.0f;
            f[4 + t] = t < T ? sc[nb + b] : 0.0f;
            const __m256i q = t < T ? _mm256_loadu_si256((const __m256i *)(a + (size_t)t * as + (size_t)nb * 8 + 32 * b))
                                    : _mm256_setzero_si256();
            _mm256_storeu_si256((__m256i *)(tb + (size_t)b * 160 + 32 + 32 * t), q);
        }
    }
}

/// R (≤ 2) rows × T (≤ 4) tokens of a gathered tile, unpacking each weight block once for the
/// T tokens; lane t of acc[r] is token t. wd/wm: float weight scales / mins of these rows (row
/// stride nb).
CK_INLINE void ck_q8x32_tile(const uint8_t *w, size_t ws, const float *wd, const float *wm, const uint8_t *tb,
                             int nb, float *out, size_t os, const int R, const int T, const int kind) {
    const size_t bb = ck_q8x32_block_bytes(kind);
    __m128 acc[2], accm[2];
    for (int r = 0; r < R; r++) { acc[r] = _mm_setzero_ps(); accm[r] = _mm_setzero_ps(); }
    for (int b = 0; b < nb; b++) {
        const float *f = (const float *)(tb + (size_t)b * 160);
        const uint8_t *qt = tb + (size_t)b * 160 + 32;
        for (int r = 0; r < R; r++) {
            const __m256i wq = ck_q8x32_unpack(w + r * ws + b * bb, kind);
            const __m256i wu = ck_q8x32_signed(kind) ? _mm256_sign_epi8(wq, wq) : wq;
            __m256i p[4];
            for (int t = 0; t < 4; t++)
                p[t] = t < T ? ck_q8x32_dot(wq, wu, _mm256_loadu_si256((const __m256i *)(qt + 32 * t)), kind)
                             : _mm256_setzero_si256();
            const __m128i dot = ck_hsum4_epi32(p[0], p[1], p[2], p[3]);
            const __m128 scale = _mm_mul_ps(_mm_set1_ps(wd[r * nb + b]), _mm_loadu_ps(f));
            acc[r] = _mm_fmadd_ps(_mm_cvtepi32_ps(dot), scale, acc[r]);
            if (ck_q8x32_has_min(kind)) accm[r] = _mm_fmadd_ps(_mm_set1_ps(wm[r * nb + b]), _mm_loadu_ps(f + 4), accm[r]);
        }
    }
    for (int r = 0; r < R; r++) {
        const __m128 sums = ck_q8x32_has_min(kind) ? _mm_add_ps(acc[r], accm[r]) : acc[r];
        ck_store_lanes(sums, out + r, os, T);
    }
}

/// 8 rows × T (≤ 4) tokens from rows unpacked and interleaved once per chunk: for block b,
/// vector g of `il` holds bytes 4g..4g+3 of each of the 8 rows (row i in dword lane i), so one
/// u8·s8 dot against the token's 4 quants 4g..4g+3 broadcast adds 4 products to each row's lane,
/// and the 8 vectors give each row's whole block dot with no horizontal sum. Lane i of acc[t]
/// is row i, token t. wdT/wmT: the 8 rows' scales and mins for each block (8 floats a block).
CK_INLINE void ck_q8x32_tile8(const uint8_t *il, const float *wdT, const float *wmT, const uint8_t *tb, int nb,
                              float *out, size_t os, const int rows, const int T, const int kind) {
    __m256 acc[4], accm[4];
    for (int t = 0; t < T; t++) { acc[t] = _mm256_setzero_ps(); accm[t] = _mm256_setzero_ps(); }
    for (int b = 0; b < nb; b++) {
        const float *f = (const float *)(tb + (size_t)b * 160);
        const uint8_t *qt = tb + (size_t)b * 160 + 32;
        const uint8_t *wb = il + (size_t)b * 256;
        const __m256 dw = _mm256_loadu_ps(wdT + (size_t)b * 8);
        const __m256 mw = _mm256_loadu_ps(wmT + (size_t)b * 8);
        for (int t = 0; t < T; t++) {
            const uint8_t *q = qt + 32 * t;
            __m256i dot = _mm256_setzero_si256();
            for (int g = 0; g < 8; g++) {
                int32_t a4;
                memcpy(&a4, q + 4 * g, 4);
                dot = _mm256_add_epi32(dot, ck_dot_u8s8(_mm256_load_si256((const __m256i *)(wb + 32 * g)), _mm256_set1_epi32(a4)));
            }
            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_mul_ps(dw, _mm256_set1_ps(f[t])), acc[t]);
            if (ck_q8x32_has_min(kind)) accm[t] = _mm256_fmadd_ps(mw, _mm256_set1_ps(f[4 + t]), accm[t]);
        }
    }
    for (int t = 0; t < T; t++) {
        float tmp[8];
        _mm256_storeu_ps(tmp, ck_q8x32_has_min(kind) ? _mm256_add_ps(acc[t], accm[t]) : acc[t]);
        for (int i = 0; i < rows; i++) out[(size_t)t * os + i] = tmp[i];
    }
}

CK_INLINE void ck_q8x32_matmul(const uint8_t *w, size_t ws, int rows, int k, const uint8_t *a, size_t as,
                               int tokens, float *out, size_t os, const int kind) {
    const int nb = k / 32;
    if (tokens == 1) {
        int r = 0;
        for (; r + 4 <= rows; r += 4) ck_q8x32_rows1(w + (size_t)r * ws, ws, a, nb, out + r, 4, kind);
        for (; r < rows; r++) ck_q8x32_rows1(w + (size_t)r * ws, ws, a, nb, out + r, 1, kind);
        return;
    }
    const size_t bb = ck_q8x32_block_bytes(kind);
    // Over more than a few tokens, the unsigned 4- and 5-bit formats are unpacked once per row
    // chunk into 8-row interleaved groups (ck_q8x32_tile8), not once per 4-token tile: the
    // unpacking (for q5 the 5th-bit spread) and the per-(row, token) conversions otherwise cost
    // as much as the dot products. The signed formats keep their sign trick (ck_q8x32_tile).
    const int pre = ck_q8x32_has_min(kind) && tokens > 4;
    const int chunk = pre ? (ck_chunk_rows((size_t)nb * 32, rows) + 7) / 8 * 8 : ck_chunk_rows(ws, rows);
    float wd[chunk * nb + 8], wm[chunk * nb + 8];
    uint8_t tb[160 * nb + 64] __attribute__((aligned(32)));
    uint8_t il[pre ? (size_t)chunk * nb * 32 : 32] __attribute__((aligned(32)));
    for (int r0 = 0; r0 < rows; r0 += chunk) {
        const int rend = r0 + chunk < rows ? r0 + chunk : rows;
        if (pre) {
            // Group G, block b: 256 bytes at il + (G·nb + b)·256; scales at wd/wm + (G·nb + b)·8.
            const int groups = (rend - r0 + 7) / 8;
            for (int G = 0; G < groups; G++) {
                for (int b = 0; b < nb; b++) {
                    uint8_t *dst = il + ((size_t)G * nb + b) * 256;
                    float *dwT = wd + ((size_t)G * nb + b) * 8, *mwT = wm + ((size_t)G * nb + b) * 8;
                    for (int i = 0; i < 8; i++) {
                        const int r = r0 + G * 8 + i;
                        uint8_t bytes[32] __attribute__((aligned(32)));
                        if (r < rend) {
                            const uint8_t *blk = w + (size_t)r * ws + (size_t)b * bb;
                            _mm256_store_si256((__m256i *)bytes, ck_q8x32_unpack(blk, kind));
                            dwT[i] = ck_h2f(blk);
                            mwT[i] = ck_q8x32_min_weight(blk, dwT[i], kind);
                        } else {
                            memset(bytes, 0, 32);
                            dwT[i] = 0.0f;
                            mwT[i] = 0.0f;
                        }
                        for (int g = 0; g < 8; g++) memcpy(dst + 32 * g + 4 * i, bytes + 4 * g, 4);
                    }
                }
            }
            for (int t0 = 0; t0 < tokens; t0 += 4) {
                const int T = tokens - t0 < 4 ? tokens - t0 : 4;
                ck_q8x32_gather(a + (size_t)t0 * as, as, T, nb, tb);
                for (int G = 0; G < groups; G++) {
                    const int n = rend - (r0 + G * 8) < 8 ? rend - (r0 + G * 8) : 8;
                    const uint8_t *ilG = il + (size_t)G * nb * 256;
                    const float *dG = wd + (size_t)G * nb * 8, *mG = wm + (size_t)G * nb * 8;
                    float *o = out + (size_t)t0 * os + r0 + G * 8;
                    switch (T) {
                        case 1: ck_q8x32_tile8(ilG, dG, mG, tb, nb, o, os, n, 1, kind); break;
                        case 2: ck_q8x32_tile8(ilG, dG, mG, tb, nb, o, os, n, 2, kind); break;
                        case 3: ck_q8x32_tile8(ilG, dG, mG, tb, nb, o, os, n, 3, kind); break;
                        default: ck_q8x32_tile8(ilG, dG, mG, tb, nb, o, os, n, 4, kind); break;
                    }
                }
            }
            continue;
        }
        for (int r = r0; r < rend; r++) {
            for (int b = 0; b < nb; b++) {
                const uint8_t *blk = w + (size_t)r * ws + (size_t)b * bb;
                const float d = ck_h2f(blk);
                wd[(r - r0) * nb + b] = d;
                wm[(r - r0) * nb + b] = ck_q8x32_min_weight(blk, d, kind);
            }
        }
        for (int t0 = 0; t0 < tokens; t0 += 4) {
            const int T = tokens - t0 < 4 ? tokens - t0 : 4;
            ck_q8x32_gather(a + (size_t)t0 * as, as, T, nb, tb);
            float *ot = out + (size_t)t0 * os;
#define CK_Q8X32_TILE(R_, T_) \
    ck_q8x32_tile(w + (size_t)r * ws, ws, wd + (r - r0) * nb, wm + (r - r0) * nb, tb, nb, ot + r, os, R_, T_, kind)
            int r = r0;
            for (; r + 2 <= rend; r += 2) CK_TILE_T(CK_Q8X32_TILE, 2, T)
            for (; r < rend; r++) CK_TILE_T(CK_Q8X32_TILE, 1, T)
#undef CK_Q8X32_TILE
        }
    }
}

CK_TARGET void CK_FN(ck_matmul_q4_0)(const void *w, size_t ws, int rows, int k, const void *a, size_t as, int tokens,
                                     float *out, size_t os) {
    ck_q8x32_matmul((const uint8_t *)w, ws, rows, k, (const uint8_t *)a, as, tokens, out, os, CK_Q4_0);
}
CK_TARGET void CK_FN(ck_matmul_q4_1)(const void *w, size_t ws, int rows, int k, const void *a, size_t as, int tokens,
                                     float *out, size_t os) {
    ck_q8x32_matmul((const uint8_t *)w, ws, rows, k, (const uint8_t *)a, as, tokens, out, os, CK_Q4_1);
}
CK_TARGET void CK_FN(ck_matmul_q8_0)(const void *w, size_t ws, int rows, int k, const void *a, size_t as, int tokens,
                                     float *out, size_t os) {
    ck_q8x32_matmul((const uint8_t *)w, ws, rows, k, (const uint8_t *)a, as, tokens, out, os, CK_Q8_0);
}
CK_TARGET void CK_FN(ck_matmul_q5_0)(const void *w, size_t ws, int rows, int k, const void *a, size_t as, int tokens,
                                     float *out, size_t os) {
    ck_q8x32_matmul((const uint8_t *)w, ws, rows, k, (const uint8_t *)a, as, tokens, out, os, CK_Q5_0);
}
CK_TARGET void CK_FN(ck_matmul_q5_1)(const void *w, size_t ws, int rows, int k, const void *a, size_t as, int tokens,
                                     float *out, size_t os) {
    ck_q8x32_matmul((const uint8_t *)w, ws, rows, k, (const uint8_t *)a, as, tokens, out, os, CK_Q5_1);
}
CK_TARGET void CK_FN(ck_matmul_iq4_nl)(const void *w, size_t ws, int rows, int k, const void *a, size_t as, int tokens,
                                       float *out, size_t os) {
    ck_q8x32_matmul((const uint8_t *)w, ws, rows, k, (const uint8_t *)a, as, tokens, out, os, CK_IQ4_NL);
}

// ---------------------------------------------------------------------------------------------
// K-quants (q2_K, q3_K, q4_K, q5_K, q6_K, iq4_xs) × q8K activations. Activation block:
// float d; int16 bsums[16]; int8 q[256].
//
// The sub-block scales are applied in the integer domain by vpmaddwd against a vector of
// broadcast scales, so a whole 256-element block accumulates in int32 (|Σ| < 2^31) and needs
// one conversion and FMA per (row, token). Mins (q2_K, q4_K, q5_K) and the offsets of q3_K (4)
// and q6_K (32) come from the activation's per-16 sums: Σ m_j·bsum_j, again one vpmaddwd.

#define CK_QK_BLOCK 292

/// q4_K, or q5_K (q5 = 1: the same scales, with a 5th bit per element from qh[32] before the
/// nibbles).
CK_INLINE void ck_q4K_tile(const uint8_t *w, size_t ws, const uint8_t *a, size_t as, int nb,
                           float *out, size_t os, const int R, const int T, const int q5) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), one = _mm256_set1_epi8(1);
    const size_t bb = q5 ? 176 : 144, qs = q5 ? 48 : 16;
    __m256 acc[4][4];
    for (int r = 0; r < R; r++)
        for (int t = 0; t < 4; t++) acc[r][t] = _mm256_setzero_ps();
    for (int b = 0; b < nb; b++) {
        ck_prefetch_span(w + (size_t)R * ws + (size_t)b * bb * R, bb * (size_t)R);
        __m256i scales[4], mins[4], qh[4];
        float dd[4], dm[4];
        const uint8_t *blk[4];
        for (int r = 0; r < R; r++) {
            blk[r] = w + r * ws + (size_t)b * bb;
            if (q5) qh[r] = _mm256_loadu_si256((const __m256i *)(blk[r] + 16));
            dd[r] = ck_h2f(blk[r]);
            dm[r] = ck_h2f(blk[r] + 2);
            uint32_t s0, s1, s2;
            memcpy(&s0, blk[r] + 4, 4);
            memcpy(&s1, blk[r] + 8, 4);
            memcpy(&s2, blk[r] + 12, 4);
            // Scales 0-3: low 6 bits of bytes 0-3; 4-7: low nibbles of bytes 8-11 with the top
            // two bits of bytes 0-3. Mins likewise from bytes 4-7 and the high nibbles of 8-11.
            const uint64_t sc = (s0 & 0x3F3F3F3Fu) |
                                ((uint64_t)((s2 & 0x0F0F0F0Fu) | ((s0 >> 2) & 0x30303030u)) << 32);
            const uint64_t mn = (s1 & 0x3F3F3F3Fu) |
                                ((uint64_t)(((s2 >> 4) & 0x0F0F0F0Fu) | ((s1 >> 2) & 0x30303030u)) << 32);
            const __m128i sc16 = _mm_cvtepu8_epi16(_mm_cvtsi64_si128((long long)sc));
            const __m128i mn16 = _mm_cvtepu8_epi16(_mm_cvtsi64_si128((long long)mn));
            scales[r] = _mm256_broadcastsi128_si256(sc16);
            mins[r] = _mm256_set_m128i(_mm_unpackhi_epi16(mn16, mn16), _mm_unpacklo_epi16(mn16, mn16));
        }
        __m256i isum[4][4];
        for (int r = 0; r < R; r++)
            for (int t = 0; t < T; t++) isum[r][t] = _mm256_setzero_si256();
        for (int c = 0; c < 4; c++) {
            __m256i lo[4], hi[4], slo[4], shi[4];
            const __m256i ilo = _mm256_set1_epi16((short)((4 * c) | ((4 * c + 1) << 8)));
            const __m256i ihi = _mm256_set1_epi16((short)((4 * c + 2) | ((4 * c + 3) << 8)));
            for (int r = 0; r < R; r++) {
                const __m256i q = _mm256_loadu_si256((const __m256i *)(blk[r] + qs + 32 * c));
                lo[r] = _mm256_and_si256(q, m4);
                hi[r] = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
                if (q5) {  // bits 2c and 2c+1 of qh[l]; qh[r] is shifted down by 2 per chunk
                    lo[r] = _mm256_or_si256(lo[r], _mm256_slli_epi16(_mm256_and_si256(qh[r], one), 4));
                    hi[r] = _mm256_or_si256(hi[r], _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh[r], 1), one), 4));
                    qh[r] = _mm256_srli_epi16(qh[r], 2);
                }
                slo[r] = _mm256_shuffle_epi8(scales[r], ilo);
                shi[r] = _mm256_shuffle_epi8(scales[r], ihi);
            }
            for (int t = 0; t < T; t++) {
                const uint8_t *aq = a + t * as + (size_t)b * CK_QK_BLOCK + 36 + 64 * c;
                const __m256i a0 = _mm256_loadu_si256((const __m256i *)aq);
                const __m256i a1 = _mm256_loadu_si256((const __m256i *)(aq + 32));
                for (int r = 0; r < R; r++) {
                    isum[r][t] = ck_madd_acc(isum[r][t], _mm256_maddubs_epi16(lo[r], a0), slo[r]);
                    isum[r][t] = ck_madd_acc(isum[r][t], _mm256_maddubs_epi16(hi[r], a1), shi[r]);
                }
            }
        }
        for (int t = 0; t < T; t++) {
            const uint8_t *ab = a + t * as + (size_t)b * CK_QK_BLOCK;
            float da;
            memcpy(&da, ab, 4);
            const __m256i bs = _mm256_loadu_si256((const __m256i *)(ab + 4));
            for (int r = 0; r < R; r++) {
                const __m256i msum = _mm256_madd_epi16(mins[r], bs);
                acc[r][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[r][t]), _mm256_set1_ps(dd[r] * da), acc[r][t]);
                acc[r][t] = _mm256_fnmadd_ps(_mm256_cvtepi32_ps(msum), _mm256_set1_ps(dm[r] * da), acc[r][t]);
            }
        }
    }
    for (int r = 0; r < R; r++) ck_store_lanes(ck_hsum4(acc[r][0], acc[r][1], acc[r][2], acc[r][3]), out + r, os, T);
}

CK_INLINE void ck_q6K_tile(const uint8_t *w, size_t ws, const uint8_t *a, size_t as, int nb,
                           float *out, size_t os, const int R, const int T) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), m30 = _mm256_set1_epi8(0x30);
    __m256 acc[4][4];
    for (int r = 0; r < R; r++)
        for (int t = 0; t < 4; t++) acc[r][t] = _mm256_setzero_ps();
    for (int b = 0; b < nb; b++) {
        ck_prefetch_span(w + (size_t)R * ws + (size_t)b * 210 * R, 210 * (size_t)R);
        const uint8_t *blk[4];
        __m256i s16[4];
        float dd[4];
        for (int r = 0; r < R; r++) {
            blk[r] = w + r * ws + (size_t)b * 210;
            dd[r] = ck_h2f(blk[r] + 208);
            s16[r] = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(blk[r] + 192)));
        }
        __m256i isum[4][4];
        for (int r = 0; r < R; r++)
            for (int t = 0; t < T; t++) isum[r][t] = _mm256_setzero_si256();
        for (int h = 0; h < 2; h++) {
            __m256i sh[4];
            for (int r = 0; r < R; r++)
                sh[r] = h == 0 ? _mm256_permute2x128_si256(s16[r], s16[r], 0x00)
                               : _mm256_permute2x128_si256(s16[r], s16[r], 0x11);
            // Quarter i holds elements 128h + 32i ..< +32, i.e. scales 8h + 2i (first 16) and
            // 8h + 2i + 1 (next 16): vpmaddubsw lanes 0-7 come from the first 16 elements.
            for (int i = 0; i < 4; i++) {
                const __m256i idx = _mm256_set_m128i(_mm_set1_epi16((short)((4 * i + 2) | ((4 * i + 3) << 8))),
                                                     _mm_set1_epi16((short)((4 * i) | ((4 * i + 1) << 8))));
                __m256i q[4], sv[4];
                for (int r = 0; r < R; r++) {
                    const __m256i ql = _mm256_loadu_si256((const __m256i *)(blk[r] + 64 * h + 32 * (i & 1)));
                    const __m256i qh = _mm256_loadu_si256((const __m256i *)(blk[r] + 128 + 32 * h));
                    const __m256i low = (i >> 1) ? _mm256_and_si256(_mm256_srli_epi16(ql, 4), m4) : _mm256_and_si256(ql, m4);
                    __m256i high;  // bits 2i, 2i+1 of qh moved to bits 4, 5
                    switch (i) {
                        case 0: high = _mm256_slli_epi16(qh, 4); break;
                        case 1: high = _mm256_slli_epi16(qh, 2); break;
                        case 2: high = qh; break;
                        default: high = _mm256_srli_epi16(qh, 2); break;
                    }
                    q[r] = _mm256_or_si256(low, _mm256_and_si256(high, m30));
                    sv[r] = _mm256_shuffle_epi8(sh[r], idx);
                }
                for (int t = 0; t < T; t++) {
                    const __m256i av = _mm256_loadu_si256(
                        (const __m256i *)(a + t * as + (size_t)b * CK_QK_BLOCK + 36 + 128 * h + 32 * i));
                    for (int r = 0; r < R; r++) isum[r][t] = ck_madd_acc(isum[r][t], _mm256_maddubs_epi16(q[r], av), sv[r]);
                }
            }
        }
        for (int t = 0; t < T; t++) {
            const uint8_t *ab = a + t * as + (size_t)b * CK_QK_BLOCK;
            float da;
            memcpy(&da, ab, 4);
            const __m256i bs = _mm256_loadu_si256((const __m256i *)(ab + 4));
            for (int r = 0; r < R; r++) {
                // Σ sc·(q - 32)·a = Σ sc·q·a - 32·Σ sc·bsum
                const __m256i off = _mm256_slli_epi32(_mm256_madd_epi16(s16[r], bs), 5);
                const __m256i total = _mm256_sub_epi32(isum[r][t], off);
                acc[r][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(total), _mm256_set1_ps(dd[r] * da), acc[r][t]);
            }
        }
    }
    for (int r = 0; r < R; r++) ck_store_lanes(ck_hsum4(acc[r][0], acc[r][1], acc[r][2], acc[r][3]), out + r, os, T);
}

/// The 16 group scales of a q3_K block (12 packed bytes at s) as signed int16, offset removed:
/// low 4 bits from byte g's low nibble (g < 8) or byte g-8's high nibble, high 2 bits from
/// byte 8 + g%4 at bit 2·(g/4).
CK_INLINE __m256i ck_q3K_scales(const uint8_t *s) {
    uint64_t low8;
    uint32_t high4;
    memcpy(&low8, s, 8);
    memcpy(&high4, s + 8, 4);
    const __m128i x = _mm_cvtsi64_si128((long long)low8);
    const __m128i m4 = _mm_set1_epi8(0x0F);
    const __m128i low = _mm_unpacklo_epi64(_mm_and_si128(x, m4), _mm_and_si128(_mm_srli_epi16(x, 4), m4));
    // Byte g of the broadcast is byte g%4 of the high bytes; 32-bit lane g/4 shifts by 2·(g/4).
    const __m128i high = _mm_and_si128(_mm_srlv_epi32(_mm_set1_epi32((int)high4), _mm_setr_epi32(0, 2, 4, 6)),
                                       _mm_set1_epi8(3));
    const __m128i sc = _mm_sub_epi8(_mm_or_si128(low, _mm_slli_epi16(high, 4)), _mm_set1_epi8(32));
    return _mm256_cvtepi8_epi16(sc);
}

/// q2_K (q3 = 0) or q3_K (q3 = 1): 2-bit quants (plus q3_K's 3rd bit from hmask) in groups of
/// 16 with their own scale. Element 128h + 32j + l is bits 2j.. of qs[32h + l], so one 32-byte
/// load per half, shifted by 2 per j, gives 32 consecutive elements in groups 8h+2j and 8h+2j+1.
CK_INLINE void ck_q23K_tile(const uint8_t *w, size_t ws, const uint8_t *a, size_t as, int nb,
                            float *out, size_t os, const int R, const int T, const int q3) {
    const __m256i m3 = _mm256_set1_epi8(3), one = _mm256_set1_epi8(1);
    const __m128i m4 = _mm_set1_epi8(0x0F);
    const size_t bb = q3 ? 110 : 84, qs = q3 ? 32 : 16;
    __m256 acc[4][4];
    for (int r = 0; r < R; r++)
        for (int t = 0; t < 4; t++) acc[r][t] = _mm256_setzero_ps();
    for (int b = 0; b < nb; b++) {
        ck_prefetch_span(w + (size_t)R * ws + (size_t)b * bb * R, bb * (size_t)R);
        const uint8_t *blk[4];
        __m256i s16[4], m16[4], hm[4];
        float dd[4], dm[4];
        for (int r = 0; r < R; r++) {
            blk[r] = w + r * ws + (size_t)b * bb;
            if (q3) {
                dd[r] = ck_h2f(blk[r] + 108);
                s16[r] = ck_q3K_scales(blk[r] + 96);
                hm[r] = _mm256_loadu_si256((const __m256i *)blk[r]);
            } else {
                dd[r] = ck_h2f(blk[r] + 80);
                dm[r] = ck_h2f(blk[r] + 82);
                const __m128i sm = _mm_loadu_si128((const __m128i *)blk[r]);
                s16[r] = _mm256_cvtepu8_epi16(_mm_and_si128(sm, m4));
                m16[r] = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(sm, 4), m4));
            }
        }
        __m256i isum[4][4];
        for (int r = 0; r < R; r++)
            for (int t = 0; t < T; t++) isum[r][t] = _mm256_setzero_si256();
        for (int h = 0; h < 2; h++) {
            __m256i sh[4], qv[4];
            for (int r = 0; r < R; r++) {
                sh[r] = h == 0 ? _mm256_permute2x128_si256(s16[r], s16[r], 0x00)
                               : _mm256_permute2x128_si256(s16[r], s16[r], 0x11);
                qv[r] = _mm256_loadu_si256((const __m256i *)(blk[r] + qs + 32 * h));
            }
            for (int j = 0; j < 4; j++) {
                // vpmaddubsw lanes 0-7 (first 16 elements) take scale 2j, lanes 8-15 scale 2j+1.
                const __m256i idx = _mm256_set_m128i(_mm_set1_epi16((short)((4 * j + 2) | ((4 * j + 3) << 8))),
                                                     _mm_set1_epi16((short)((4 * j) | ((4 * j + 1) << 8))));
                __m256i q[4], sv[4];
                for (int r = 0; r < R; r++) {
                    q[r] = _mm256_and_si256(qv[r], m3);
                    qv[r] = _mm256_srli_epi16(qv[r], 2);
                    if (q3) {  // bit 4h + j of hmask[l]; hm[r] is shifted down by 1 per step
                        q[r] = _mm256_or_si256(q[r], _mm256_slli_epi16(_mm256_and_si256(hm[r], one), 2));
                        hm[r] = _mm256_srli_epi16(hm[r], 1);
                    }
                    sv[r] = _mm256_shuffle_epi8(sh[r], idx);
                }
                for (int t = 0; t < T; t++) {
                    const __m256i av = _mm256_loadu_si256(
                        (const __m256i *)(a + t * as + (size_t)b * CK_QK_BLOCK + 36 + 128 * h + 32 * j));
                    for (int r = 0; r < R; r++) isum[r][t] = ck_madd_acc(isum[r][t], _mm256_maddubs_epi16(q[r], av), sv[r]);
                }
            }
        }
        for (int t = 0; t < T; t++) {
            const uint8_t *ab = a + t * as + (size_t)b * CK_QK_BLOCK;
            float da;
            memcpy(&da, ab, 4);
            const __m256i bs = _mm256_loadu_si256((const __m256i *)(ab + 4));
            for (int r = 0; r < R; r++) {
                if (q3) {
                    // Σ sc·(q - 4)·a = Σ sc·q·a - 4·Σ sc·bsum
                    const __m256i off = _mm256_slli_epi32(_mm256_madd_epi16(s16[r], bs), 2);
                    acc[r][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(isum[r][t], off)),
                                                _mm256_set1_ps(dd[r] * da), acc[r][t]);
                } else {
                    const __m256i msum = _mm256_madd_epi16(m16[r], bs);
                    acc[r][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[r][t]), _mm256_set1_ps(dd[r] * da), acc[r][t]);
                    acc[r][t] = _mm256_fnmadd_ps(_mm256_cvtepi32_ps(msum), _mm256_set1_ps(dm[r] * da), acc[r][t]);
                }
            }
        }
    }
    for (int r = 0; r < R; r++) ck_store_lanes(ck_hsum4(acc[r][0], acc[r][1], acc[r][2], acc[r][3]), out + r, os, T);
}

/// iq4_xs: 8 sub-blocks of 32 with a signed 6-bit scale each and iq4 table values. The 32 bytes
/// of sub-blocks 2c and 2c+1 hold (low nibbles) elements 0-15 of each and (high nibbles)
/// elements 16-31, so one lane swap gives each sub-block's 32 elements in order.
CK_INLINE void ck_iq4xs_tile(const uint8_t *w, size_t ws, const uint8_t *a, size_t as, int nb,
                             float *out, size_t os, const int R, const int T) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), table = ck_iq4_table();
    __m256 acc[4][4];
    for (int r = 0; r < R; r++)
        for (int t = 0; t < 4; t++) acc[r][t] = _mm256_setzero_ps();
    for (int b = 0; b < nb; b++) {
        ck_prefetch_span(w + (size_t)R * ws + (size_t)b * 136 * R, 136 * (size_t)R);
        const uint8_t *blk[4];
        float dd[4];
        int16_t ls[4][8];
        for (int r = 0; r < R; r++) {
            blk[r] = w + r * ws + (size_t)b * 136;
            dd[r] = ck_h2f(blk[r]);
            uint16_t high;
            memcpy(&high, blk[r] + 2, 2);
            for (int i = 0; i < 8; i++)
                ls[r][i] = (int16_t)((((blk[r][4 + i / 2] >> (4 * (i % 2))) & 0x0F) | (((high >> (2 * i)) & 3) << 4)) - 32);
        }
        __m256i isum[4][4];
        for (int r = 0; r < R; r++)
            for (int t = 0; t < T; t++) isum[r][t] = _mm256_setzero_si256();
        for (int c = 0; c < 4; c++) {
            __m256i w0[4], w1[4], u0[4], u1[4], s0[4], s1[4];
            for (int r = 0; r < R; r++) {
                const __m256i raw = _mm256_loadu_si256((const __m256i *)(blk[r] + 8 + 32 * c));
                const __m256i lo = _mm256_and_si256(raw, m4), hi = _mm256_and_si256(_mm256_srli_epi16(raw, 4), m4);
                w0[r] = _mm256_shuffle_epi8(table, _mm256_permute2x128_si256(lo, hi, 0x20));
                w1[r] = _mm256_shuffle_epi8(table, _mm256_permute2x128_si256(lo, hi, 0x31));
                u0[r] = _mm256_sign_epi8(w0[r], w0[r]);
                u1[r] = _mm256_sign_epi8(w1[r], w1[r]);
                s0[r] = _mm256_set1_epi16(ls[r][2 * c]);
                s1[r] = _mm256_set1_epi16(ls[r][2 * c + 1]);
            }
            for (int t = 0; t < T; t++) {
                const uint8_t *aq = a + t * as + (size_t)b * CK_QK_BLOCK + 36 + 64 * c;
                const __m256i a0 = _mm256_loadu_si256((const __m256i *)aq);
                const __m256i a1 = _mm256_loadu_si256((const __m256i *)(aq + 32));
                for (int r = 0; r < R; r++) {
                    isum[r][t] = ck_madd_acc(isum[r][t], _mm256_maddubs_epi16(u0[r], _mm256_sign_epi8(a0, w0[r])), s0[r]);
                    isum[r][t] = ck_madd_acc(isum[r][t], _mm256_maddubs_epi16(u1[r], _mm256_sign_epi8(a1, w1[r])), s1[r]);
                }
            }
        }
        for (int t = 0; t < T; t++) {
            float da;
            memcpy(&da, a + t * as + (size_t)b * CK_QK_BLOCK, 4);
            for (int r = 0; r < R; r++)
                acc[r][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[r][t]), _mm256_set1_ps(dd[r] * da), acc[r][t]);
        }
    }
    for (int r = 0; r < R; r++) ck_store_lanes(ck_hsum4(acc[r][0], acc[r][1], acc[r][2], acc[r][3]), out + r, os, T);
}

#define CK_QK_MATMUL(NAME, TILEFN)                                                                  \
    CK_TARGET void CK_FN(NAME)(const void *w, size_t ws, int rows, int k, const void *a, size_t as,  \
                               int tokens, float *out, size_t os) {                                \
        const uint8_t *wb = (const uint8_t *)w, *ab = (const uint8_t *)a;                          \
        const int nb = k / 256;                                                                    \
        _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wunused-value\"")        \
        CK_DRIVE(rows, tokens, ws, CK_QK_PREP, CK_QK_TILE_##TILEFN);                               \
        _Pragma("GCC diagnostic pop")                                                              \
    }
#define CK_QK_PREP(t0, T) ((void)0)
#define CK_QK_TILE_Q4K(R, T) ck_q4K_tile(wb + (size_t)r * ws, ws, ab + (size_t)t0 * as, as, nb, out + (size_t)t0 * os + r, os, R, T, 0)
#define CK_QK_TILE_Q5K(R, T) ck_q4K_tile(wb + (size_t)r * ws, ws, ab + (size_t)t0 * as, as, nb, out + (size_t)t0 * os + r, os, R, T, 1)
#define CK_QK_TILE_Q2K(R, T) ck_q23K_tile(wb + (size_t)r * ws, ws, ab + (size_t)t0 * as, as, nb, out + (size_t)t0 * os + r, os, R, T, 0)
#define CK_QK_TILE_Q3K(R, T) ck_q23K_tile(wb + (size_t)r * ws, ws, ab + (size_t)t0 * as, as, nb, out + (size_t)t0 * os + r, os, R, T, 1)
#define CK_QK_TILE_IQ4XS(R, T) ck_iq4xs_tile(wb + (size_t)r * ws, ws, ab + (size_t)t0 * as, as, nb, out + (size_t)t0 * os + r, os, R, T)
#define CK_QK_TILE_Q6K(R, T) ck_q6K_tile(wb + (size_t)r * ws, ws, ab + (size_t)t0 * as, as, nb, out + (size_t)t0 * os + r, os, R, T)

CK_QK_MATMUL(ck_matmul_q4_K, Q4K)
CK_QK_MATMUL(ck_matmul_q6_K, Q6K)
CK_QK_MATMUL(ck_matmul_q5_K, Q5K)
CK_QK_MATMUL(ck_matmul_q2_K, Q2K)
CK_QK_MATMUL(ck_matmul_q3_K, Q3K)
CK_QK_MATMUL(ck_matmul_iq4_xs, IQ4XS)
