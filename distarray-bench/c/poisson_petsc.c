/* The Poisson demo written directly against PETSc in C: the baseline the
 * bridge's solve is measured against. Same matrix (5-point Laplacian on an
 * n x n grid, rows in balanced blocks, exact preallocation), same
 * right-hand side, same KSP configured from the options database. */
#include <math.h>
#include <petscksp.h>

double c_poisson(MPI_Comm comm, int n, int *iterations) {
    double t0 = MPI_Wtime();
    int p, r;
    MPI_Comm_size(comm, &p);
    MPI_Comm_rank(comm, &r);
    PetscInt N = (PetscInt)n * n;
    PetscInt m = N / p + (r < N % p ? 1 : 0);
    PetscInt lo = r * (N / p) + (r < N % p ? r : N % p), hi = lo + m;
    PetscInt *d = malloc(sizeof(PetscInt) * (m > 0 ? m : 1)), *o = malloc(sizeof(PetscInt) * (m > 0 ? m : 1));
    for (PetscInt row = lo; row < hi; row++) {
        PetscInt i = row / n, j = row % n, cols[5], k = 0, dd = 0;
        if (i > 0) cols[k++] = row - n;
        if (j > 0) cols[k++] = row - 1;
        cols[k++] = row;
        if (j + 1 < n) cols[k++] = row + 1;
        if (i + 1 < n) cols[k++] = row + n;
        for (PetscInt c = 0; c < k; c++) dd += (cols[c] >= lo && cols[c] < hi);
        d[row - lo] = dd;
        o[row - lo] = k - dd;
    }
    Mat A;
    MatCreateAIJ(comm, m, m, N, N, 0, d, 0, o, &A);
    MatSetOption(A, MAT_NEW_NONZERO_ALLOCATION_ERR, PETSC_TRUE);
    for (PetscInt row = lo; row < hi; row++) {
        PetscInt i = row / n, j = row % n, cols[5], k = 0;
        PetscScalar v[5];
        if (i > 0) { cols[k] = row - n; v[k++] = -1.0; }
        if (j > 0) { cols[k] = row - 1; v[k++] = -1.0; }
        cols[k] = row; v[k++] = 4.0;
        if (j + 1 < n) { cols[k] = row + 1; v[k++] = -1.0; }
        if (i + 1 < n) { cols[k] = row + n; v[k++] = -1.0; }
        MatSetValues(A, 1, &row, k, cols, v, INSERT_VALUES);
    }
    MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY);
    MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY);
    Vec b, x;
    VecCreateMPI(comm, m, N, &b);
    VecDuplicate(b, &x);
    PetscScalar *bv;
    VecGetArray(b, &bv);
    double h = 1.0 / (n + 1);
    for (PetscInt row = lo; row < hi; row++) {
        double xx = (row / n + 1) * h, yy = (row % n + 1) * h;
        bv[row - lo] = h * h * 2.0 * M_PI * M_PI * sin(M_PI * xx) * sin(M_PI * yy);
    }
    VecRestoreArray(b, &bv);
    KSP ksp;
    KSPCreate(comm, &ksp);
    KSPSetOperators(ksp, A, A);
    KSPSetFromOptions(ksp);
    KSPSolve(ksp, b, x);
    PetscInt its;
    KSPGetIterationNumber(ksp, &its);
    *iterations = (int)its;
    KSPDestroy(&ksp);
    VecDestroy(&x);
    VecDestroy(&b);
    MatDestroy(&A);
    free(d);
    free(o);
    return MPI_Wtime() - t0;
}
