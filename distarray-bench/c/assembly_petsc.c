/* The assembly benchmark's baseline, written as a PETSc user writes it:
 * the 5-point Laplacian on an n x n grid (rows in balanced blocks), each
 * rank setting its own rows with MatSetValues(ADD_VALUES) except about 5%
 * of the entries, which the next rank sets instead (the same deterministic
 * choice as distarray-bench/src/operators.rs), preallocated with honest
 * estimates (d_nz = 5, o_nz = 2), then MatAssemblyBegin/End. Returns the
 * seconds from MatCreate to the end of assembly, and for the comparison
 * the global number of entries and a weighted checksum of them. */
#include <petscmat.h>
#include <stdint.h>

/* Whether entry (row, col) is set by the rank after its owner. */
static int wrong_rank(uint64_t row, uint64_t col) {
    uint64_t h = (row * 0x9E3779B97F4A7C15ULL) ^ (col * 0xC2B2AE3D27D4EB4FULL);
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 32;
    return h % 20 == 0;
}

/* The weight of entry (row, col) in the checksum. */
static double weight(uint64_t row, uint64_t col) {
    return (double)(1 + (row * 31 + col * 17) % 1009);
}

static void block_of(PetscInt N, int p, int r, PetscInt *lo, PetscInt *hi) {
    PetscInt m = N / p + (r < N % p ? 1 : 0);
    *lo = r * (N / p) + (r < N % p ? r : N % p);
    *hi = *lo + m;
}

/* Sets the entries of rows lo..hi that are (wrong == 1) or are not
 * (wrong == 0) set by the wrong rank: one MatSetValues per row. */
static void set_rows(Mat A, PetscInt n, PetscInt lo, PetscInt hi, int wrong) {
    for (PetscInt row = lo; row < hi; row++) {
        PetscInt i = row / n, j = row % n, all[5], cols[5], k = 0, m = 0;
        PetscScalar v[5];
        if (i > 0) all[k++] = row - n;
        if (j > 0) all[k++] = row - 1;
        all[k++] = row;
        if (j + 1 < n) all[k++] = row + 1;
        if (i + 1 < n) all[k++] = row + n;
        for (PetscInt c = 0; c < k; c++) {
            if (wrong_rank((uint64_t)row, (uint64_t)all[c]) == wrong) {
                cols[m] = all[c];
                v[m++] = all[c] == row ? 4.0 : -1.0;
            }
        }
        if (m > 0) MatSetValues(A, 1, &row, m, cols, v, ADD_VALUES);
    }
}

double c_assembly(MPI_Comm comm, long n_, long *nnz, double *checksum) {
    PetscInt n = (PetscInt)n_, N = n * n, lo, hi, plo, phi;
    int p, r;
    MPI_Comm_size(comm, &p);
    MPI_Comm_rank(comm, &r);
    block_of(N, p, r, &lo, &hi);
    block_of(N, p, (r + p - 1) % p, &plo, &phi);
    MPI_Barrier(comm);
    double t0 = MPI_Wtime();
    Mat A;
    MatCreate(comm, &A);
    MatSetSizes(A, hi - lo, hi - lo, N, N);
    MatSetType(A, MATAIJ);
    MatSeqAIJSetPreallocation(A, 5, NULL);
    MatMPIAIJSetPreallocation(A, 5, NULL, 2, NULL);
    set_rows(A, n, lo, hi, 0);
    set_rows(A, n, plo, phi, 1);
    MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY);
    MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY);
    double t = MPI_Wtime() - t0;

    double sum = 0.0;
    for (PetscInt row = lo; row < hi; row++) {
        PetscInt k;
        const PetscInt *cols;
        const PetscScalar *vals;
        MatGetRow(A, row, &k, &cols, &vals);
        for (PetscInt c = 0; c < k; c++) sum += vals[c] * weight((uint64_t)row, (uint64_t)cols[c]);
        MatRestoreRow(A, row, &k, &cols, &vals);
    }
    MPI_Allreduce(&sum, checksum, 1, MPI_DOUBLE, MPI_SUM, comm);
    MatInfo info;
    MatGetInfo(A, MAT_GLOBAL_SUM, &info);
    *nnz = (long)info.nz_used;
    MatDestroy(&A);
    return t;
}
