// Hand-run micro benchmark of the C matmul kernels (not part of the SwiftPM build, no timing
// assertions anywhere). Build and run with Tests/Benchmarks/run_kernel_bench.sh.
// Single thread; weights are reused across iterations, so tokens=1 numbers measure the kernel
// at cache bandwidth (L2/L3), an upper bound of what DRAM streaming allows.
#include "ckernels.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);  // CPU time: robust to sharing the machine
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint64_t rng = 0x1234567;
static uint32_t rnd(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return (uint32_t)rng; }
static float frnd(void) { return (rnd() % 20001) / 10000.0f - 1.0f; }

typedef struct { const char *name; int block, bytes, act; ck_matmul_fn fn[2]; } fmt_t;  // act: 0 f32, 1 q8x32, 2 q8K

static void fill_weights(uint8_t *w, size_t n, int block_bytes, int scale_off) {
    for (size_t i = 0; i < n; i++) w[i] = (uint8_t)rnd();
    // sane f16 scales: 0x2000 ≈ 0.0078
    for (size_t b = 0; b + block_bytes <= n; b += block_bytes) {
        w[b + scale_off] = 0x00; w[b + scale_off + 1] = 0x20;
        if (block_bytes != 210) { w[b + 2] = 0x00; w[b + 3] = 0x20; }
    }
}

int main(int argc, char **argv) {
    const int rows = argc > 1 ? atoi(argv[1]) : 1536;
    const int k = argc > 2 ? atoi(argv[2]) : 576;
    const unsigned feats = ck_cpu_features();
    const int have512 = (feats & CK_FEATURE_AVX512VNNI) != 0;
    fmt_t fmts[] = {
        {"Q4_1", 32, 20, 1, {ck_matmul_q4_1_avx2, ck_matmul_q4_1_avx512}},
        {"Q4_0", 32, 18, 1, {ck_matmul_q4_0_avx2, ck_matmul_q4_0_avx512}},
        {"Q8_0", 32, 34, 1, {ck_matmul_q8_0_avx2, ck_matmul_q8_0_avx512}},
        {"Q5_0", 32, 22, 1, {ck_matmul_q5_0_avx2, ck_matmul_q5_0_avx512}},
        {"Q5_1", 32, 24, 1, {ck_matmul_q5_1_avx2, ck_matmul_q5_1_avx512}},
        {"IQ4_NL", 32, 18, 1, {ck_matmul_iq4_nl_avx2, ck_matmul_iq4_nl_avx512}},
        {"Q2_K", 256, 84, 2, {ck_matmul_q2_K_avx2, ck_matmul_q2_K_avx512}},
        {"Q3_K", 256, 110, 2, {ck_matmul_q3_K_avx2, ck_matmul_q3_K_avx512}},
        {"Q5_K", 256, 176, 2, {ck_matmul_q5_K_avx2, ck_matmul_q5_K_avx512}},
        {"IQ4_XS", 256, 136, 2, {ck_matmul_iq4_xs_avx2, ck_matmul_iq4_xs_avx512}},
        {"Q4_K", 256, 144, 2, {ck_matmul_q4_K_avx2, ck_matmul_q4_K_avx512}},
        {"Q6_K", 256, 210, 2, {ck_matmul_q6_K_avx2, ck_matmul_q6_K_avx512}},
        {"F16", 1, 2, 0, {ck_matmul_f16_avx2, ck_matmul_f16_avx512}},
        {"F32", 1, 4, 0, {ck_matmul_f32_avx2, ck_matmul_f32_avx512}},
    };
    const int token_counts[] = {1, 4, 16, 64, 256};
    printf("rows=%d k=%d, 1 thread, level=%s\n", rows, k, have512 ? "avx512vnni" : "avx2");
    for (size_t f = 0; f < sizeof fmts / sizeof fmts[0]; f++) {
        const fmt_t *F = &fmts[f];
        if (k % F->block) continue;
        const size_t ws = (size_t)(k / F->block) * F->bytes;
        uint8_t *w = aligned_alloc(64, ws * rows + 64);
        // the f16 d of q6_K, q2_K and q3_K sits at the end of the block
        fill_weights(w, ws * rows, F->bytes, F->bytes == 210 ? 208 : F->bytes == 84 ? 80 : F->bytes == 110 ? 108 : 0);
        const int maxT = 256;
        const size_t as = F->act == 0 ? (size_t)k * 4 : F->act == 1 ? (size_t)(k / 32) * 40 : (size_t)(k / 256) * 292;
        float *x = malloc(sizeof(float) * k * maxT);
        for (int i = 0; i < k * maxT; i++) x[i] = frnd();
        uint8_t *a = aligned_alloc(64, as * maxT + 64);
        for (int t = 0; t < maxT; t++) {
            if (F->act == 0) memcpy(a + t * as, x + t * k, k * 4);
            else if (F->act == 1) ck_quantize_q8x32_avx2(x + t * k, k, a + t * as);
            else ck_quantize_q8K_avx2(x + t * k, k, a + t * as);
        }
        float *out = malloc(sizeof(float) * rows * maxT);
        ck_matmul_fn fn = F->fn[have512];
        for (size_t ti = 0; ti < sizeof token_counts / sizeof token_counts[0]; ti++) {
            const int T = token_counts[ti];
            fn(w, ws, rows, k, a, as, T, out, rows);  // warm up
            // Best of many short trials: the machine is shared, so the minimum is the kernel's time.
            int iters = 1;
            while (1) {
                const double t0 = now();
                for (int it = 0; it < iters; it++) fn(w, ws, rows, k, a, as, T, out, rows);
                if (now() - t0 > 0.01) break;
                iters *= 2;
            }
            double best = 1e30;
            for (int trial = 0; trial < 30; trial++) {
                const double t0 = now();
                for (int it = 0; it < iters; it++) fn(w, ws, rows, k, a, as, T, out, rows);
                const double el = now() - t0;
                if (el < best) best = el;
            }
            const double el = best;
            const double per = el / iters;
            const double gops = 2.0 * rows * k * T / per * 1e-9;
            printf("%-5s tokens=%-4d %8.1f us/call  %6.2f GB/s weights  %7.1f GOP/s  %8.0f tok/s-equiv\n", F->name, T,
                   per * 1e6, ws * rows / per * 1e-9, gops, T / per);
        }
        free(w); free(x); free(a); free(out);
    }
    return 0;
}
