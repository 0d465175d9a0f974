/* Baseline of the matmul benchmark: ScaLAPACK's pdgemm (Debian's
 * libscalapack-openmpi, BLAS from OpenBLAS) of two n x n f64 matrices on a
 * block-cyclic distribution (blocks of nb on a pr x pc BLACS grid, ranks in
 * row-major order: the grid coordinate (i, j) is rank i * pc + j, as
 * distarray's process grids). The cells are the same formula as the Rust
 * side's (matmul_a, matmul_b), so both compute the same product. */
#include <mpi.h>
#include <stdlib.h>
#include <string.h>

extern int Csys2blacs_handle(MPI_Comm comm);
extern void Cfree_blacs_system_handle(int handle);
extern void Cblacs_gridinit(int *ctx, const char *order, int nprow, int npcol);
extern void Cblacs_gridinfo(int ctx, int *nprow, int *npcol, int *myrow, int *mycol);
extern void Cblacs_gridexit(int ctx);
extern int numroc_(const int *n, const int *nb, const int *iproc, const int *isrc, const int *nprocs);
extern void descinit_(int *desc, const int *m, const int *n, const int *mb, const int *nb,
                      const int *irsrc, const int *icsrc, const int *ctx, const int *lld, int *info);
extern void pdgemm_(const char *ta, const char *tb, const int *m, const int *n, const int *k,
                    const double *alpha, const double *a, const int *ia, const int *ja, const int *desca,
                    const double *b, const int *ib, const int *jb, const int *descb,
                    const double *beta, double *c, const int *ic, const int *jc, const int *descc);

/* the cells of A and B (also in distarray-bench/src/bin/linalg_matmul.rs) */
static double matmul_a(long i, long j) { return (double)((i * 7 + j * 13) % 101) / 101.0 - 0.5; }
static double matmul_b(long i, long j) { return (double)((i * 11 + j * 5) % 97) / 97.0 - 0.5; }

/* global index of local index l on process p of a block-cyclic axis */
static long global_of(long l, int nb, int p, int nprocs) {
    return (l / nb * nprocs + p) * nb + l % nb;
}

/* C = A B with pdgemm, `reps` timed runs (at least one); returns the
 * best time (the slowest rank's, MPI_Wtime). When c_out is not NULL it
 * receives this rank's block of C in row-major order (c_len cells: the
 * local rows times the local columns). -1 on a bad grid or size. */
double baseline_pdgemm(MPI_Comm comm, int n, int nb, int pr, int pc, int reps, double *c_out, long c_len) {
    int size, zero = 0, one_i = 1, info;
    MPI_Comm_size(comm, &size);
    if (pr * pc != size || n <= 0 || nb <= 0) return -1.0;
    int handle = Csys2blacs_handle(comm);
    int ctx = handle;
    Cblacs_gridinit(&ctx, "Row", pr, pc);
    int nprow, npcol, myrow, mycol;
    Cblacs_gridinfo(ctx, &nprow, &npcol, &myrow, &mycol);
    int mloc = numroc_(&n, &nb, &myrow, &zero, &nprow);
    int nloc = numroc_(&n, &nb, &mycol, &zero, &npcol);
    int lld = mloc > 1 ? mloc : 1;
    int desc[9];
    descinit_(desc, &n, &n, &nb, &nb, &zero, &zero, &ctx, &lld, &info);
    size_t cells = (size_t)mloc * nloc + 1;
    double *a = malloc(cells * sizeof(double)), *b = malloc(cells * sizeof(double)),
           *c = calloc(cells, sizeof(double));
    for (long jl = 0; jl < nloc; jl++) {
        long j = global_of(jl, nb, mycol, npcol);
        for (long il = 0; il < mloc; il++) {
            long i = global_of(il, nb, myrow, nprow);
            a[jl * lld + il] = matmul_a(i, j); /* column-major */
            b[jl * lld + il] = matmul_b(i, j);
        }
    }
    double alpha = 1.0, beta = 0.0, best = 1e300;
    for (int r = 0; r < (reps > 0 ? reps : 1); r++) {
        MPI_Barrier(comm);
        double t = MPI_Wtime();
        pdgemm_("N", "N", &n, &n, &n, &alpha, a, &one_i, &one_i, desc, b, &one_i, &one_i, desc, &beta, c,
                &one_i, &one_i, desc);
        double mine = MPI_Wtime() - t, slowest;
        MPI_Allreduce(&mine, &slowest, 1, MPI_DOUBLE, MPI_MAX, comm);
        if (slowest < best) best = slowest;
    }
    if (c_out != NULL && c_len == (long)mloc * nloc) {
        for (long il = 0; il < mloc; il++)
            for (long jl = 0; jl < nloc; jl++) c_out[il * nloc + jl] = c[jl * lld + il];
    } else if (c_out != NULL) {
        best = -1.0;
    }
    free(a);
    free(b);
    free(c);
    Cblacs_gridexit(ctx);
    Cfree_blacs_system_handle(handle);
    return best;
}
