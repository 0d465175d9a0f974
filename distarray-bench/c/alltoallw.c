/* Baselines for the redistribution benchmarks: the exchange done the way
 * mpi4py-fft and Heat do it, one MPI_Alltoallw with derived datatypes
 * (subarrays for 2-D row blocks -> column blocks, vectors for 1-D
 * block -> cyclic). Both sides use the balanced block split (sizes differ
 * by at most one, larger first), as distarray's regular block map does. */
#include <mpi.h>
#include <stdlib.h>

typedef struct {
    MPI_Comm comm;
    int n;
    int *scounts, *sdispls, *rcounts, *rdispls;
    MPI_Datatype *stypes, *rtypes;
} baseline_t;

static void balanced(long size, int p, int r, long *lo, long *hi) {
    long q = size / p, rem = size % p;
    *lo = r * q + (r < rem ? r : rem);
    *hi = *lo + q + (r < rem ? 1 : 0);
}

static baseline_t *alloc_plan(MPI_Comm comm) {
    baseline_t *b = calloc(1, sizeof(baseline_t));
    b->comm = comm;
    MPI_Comm_size(comm, &b->n);
    b->scounts = calloc(b->n, sizeof(int));
    b->sdispls = calloc(b->n, sizeof(int));
    b->rcounts = calloc(b->n, sizeof(int));
    b->rdispls = calloc(b->n, sizeof(int));
    b->stypes = calloc(b->n, sizeof(MPI_Datatype));
    b->rtypes = calloc(b->n, sizeof(MPI_Datatype));
    return b;
}

/* a subarray of a 2-D C-order double array, or an empty message */
static void subarray(long rows, long cols, long nr, long nc, long r0, long c0, int *count, MPI_Datatype *t) {
    if (nr == 0 || nc == 0) {
        *count = 0;
        *t = MPI_DOUBLE;
        return;
    }
    int sizes[2] = {(int)rows, (int)cols}, sub[2] = {(int)nr, (int)nc}, starts[2] = {(int)r0, (int)c0};
    MPI_Type_create_subarray(2, sizes, sub, starts, MPI_ORDER_C, MPI_DOUBLE, t);
    MPI_Type_commit(t);
    *count = 1;
}

/* src: rows [r0, r1) x all columns; dst: all rows x columns [c0, c1) */
baseline_t *baseline_rows_to_cols(MPI_Comm comm, long nrows, long ncols) {
    baseline_t *b = alloc_plan(comm);
    int me;
    MPI_Comm_rank(comm, &me);
    long r0, r1, c0, c1;
    balanced(nrows, b->n, me, &r0, &r1);
    balanced(ncols, b->n, me, &c0, &c1);
    for (int q = 0; q < b->n; q++) {
        long qr0, qr1, qc0, qc1;
        balanced(nrows, b->n, q, &qr0, &qr1);
        balanced(ncols, b->n, q, &qc0, &qc1);
        subarray(r1 - r0, ncols, r1 - r0, qc1 - qc0, 0, qc0, &b->scounts[q], &b->stypes[q]);
        subarray(nrows, c1 - c0, qr1 - qr0, c1 - c0, qr0, 0, &b->rcounts[q], &b->rtypes[q]);
    }
    return b;
}

/* first global index >= lo that belongs to cyclic position q of p, and how many below hi */
static long cyclic_part(long lo, long hi, int p, int q, long *first) {
    long g0 = lo + ((q - lo % p) % p + p) % p;
    *first = g0;
    return g0 < hi ? (hi - 1 - g0) / p + 1 : 0;
}

/* src: balanced blocks of a 1-D array of n; dst: cyclic (block size 1) */
baseline_t *baseline_block_to_cyclic(MPI_Comm comm, long n) {
    baseline_t *b = alloc_plan(comm);
    int me;
    MPI_Comm_rank(comm, &me);
    long a, z;
    balanced(n, b->n, me, &a, &z);
    for (int q = 0; q < b->n; q++) {
        long g0, cnt = cyclic_part(a, z, b->n, q, &g0);
        if (cnt > 0) {
            MPI_Type_vector((int)cnt, 1, b->n, MPI_DOUBLE, &b->stypes[q]);
            MPI_Type_commit(&b->stypes[q]);
            b->scounts[q] = 1;
            b->sdispls[q] = (int)((g0 - a) * sizeof(double));
        } else {
            b->stypes[q] = MPI_DOUBLE;
        }
        long qa, qz;
        balanced(n, b->n, q, &qa, &qz);
        long h0, rcnt = cyclic_part(qa, qz, b->n, me, &h0);
        b->rtypes[q] = MPI_DOUBLE;
        b->rcounts[q] = (int)rcnt;
        b->rdispls[q] = (int)((rcnt > 0 ? h0 / b->n : 0) * sizeof(double));
    }
    return b;
}

void baseline_execute(baseline_t *b, const double *src, double *dst) {
    MPI_Alltoallw(src, b->scounts, b->sdispls, b->stypes, dst, b->rcounts, b->rdispls, b->rtypes, b->comm);
}

void baseline_free(baseline_t *b) {
    for (int q = 0; q < b->n; q++) {
        if (b->stypes[q] != MPI_DOUBLE) MPI_Type_free(&b->stypes[q]);
        if (b->rtypes[q] != MPI_DOUBLE) MPI_Type_free(&b->rtypes[q]);
    }
    free(b->scounts); free(b->sdispls); free(b->rcounts); free(b->rdispls);
    free(b->stypes); free(b->rtypes);
    free(b);
}
