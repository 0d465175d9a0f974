/* A flat C interface over Tpetra, Belos and Ifpack2 (Scalar=double,
 * LocalOrdinal=int, GlobalOrdinal=long long, Serial node). Every function
 * returns 0 on success and -1 on a C++ exception, whose message is copied
 * into err (errlen bytes, NUL-terminated). Handles are opaque. */
#ifndef DISTARRAY_TPETRA_SHIM_H
#define DISTARRAY_TPETRA_SHIM_H
#include <mpi.h>
#ifdef __cplusplus
extern "C" {
#endif

typedef struct TriMap TriMap;
typedef struct TriVec TriVec;
typedef struct TriMat TriMat;

int tri_init(MPI_Comm comm, char *err, int errlen);
int tri_finalize(char *err, int errlen);

int tri_map_contiguous(MPI_Comm comm, long long global, int local, TriMap **out, char *err, int errlen);
int tri_map_gids(MPI_Comm comm, long long global, const long long *gids, int n, TriMap **out, char *err, int errlen);
int tri_map_info(const TriMap *map, int *local, long long *global, int *contiguous, char *err, int errlen);
int tri_map_local_gids(const TriMap *map, long long *out, char *err, int errlen);
void tri_map_free(TriMap *map);

int tri_vec_create(const TriMap *map, TriVec **out, char *err, int errlen);
/* A vector over the caller's memory (no copy): `data` holds the map's local
 * count of doubles and must outlive the vector. */
int tri_vec_wrap(const TriMap *map, double *data, TriVec **out, char *err, int errlen);

/* A multivector with `ncols` columns over the caller's column-major memory
 * (leading dimension = the map's local count; no copy). */
typedef struct TriMV TriMV;
int tri_mv_wrap(const TriMap *map, double *data, int ncols, TriMV **out, char *err, int errlen);
int tri_mv_norms2(TriMV *mv, double *out, char *err, int errlen);
int tri_mv_scale(TriMV *mv, double alpha, char *err, int errlen);
void tri_mv_free(TriMV *mv);
/* The host memory of a vector or multivector, held through a host view
 * (`view`) until tri_host_view_free: `data` column-major with column stride
 * `stride` (>= local length), `len` local rows. readonly: 1 asks for
 * Access::ReadOnly, 0 for Access::ReadWrite. */
typedef struct TriHostView TriHostView;
int tri_vec_view_host(TriVec *vec, int readonly, TriHostView **view, double **data, int *len, char *err, int errlen);
int tri_mv_view_host(TriMV *mv, int readonly, TriHostView **view, double **data, int *len, long long *stride, char *err, int errlen);
void tri_host_view_free(TriHostView *view);
int tri_mv_create(const TriMap *map, int ncols, TriMV **out, char *err, int errlen);
int tri_vec_norm2(TriVec *vec, double *out, char *err, int errlen);
void tri_vec_free(TriVec *vec);

int tri_mat_create(const TriMap *rows, const int *row_ptr, const long long *cols, const double *vals, TriMat **out, char *err, int errlen);
int tri_mat_apply(TriMat *mat, TriVec *x, TriVec *y, char *err, int errlen);
void tri_mat_free(TriMat *mat);

/* A Belos solver for one matrix: the Ifpack2 preconditioner (prec:
 * "none", "jacobi" or "ilu") is built (initialize + compute) once, at
 * creation, and kept; each solve makes the Belos linear problem and solver
 * manager (method: a Belos::SolverFactory name such as "CG", "GMRES",
 * "BICGSTAB", "MINRES"; checked at creation) and destroys them before it
 * returns, so no reference to b or x outlives the solve. */
typedef struct TriSolver TriSolver;
int tri_solver_create(TriMat *mat, const char *method, const char *prec, TriSolver **out, char *err, int errlen);
/* Stops when ||r|| <= max(rtol * ||r0||, atol) or after maxit iterations;
 * converged is 1 or 0; achieved is Belos' achieved relative tolerance. */
int tri_solver_solve(TriSolver *s, TriVec *b, TriVec *x, double rtol, double atol, int maxit, int *iterations,
                     double *achieved, int *converged, char *err, int errlen);
void tri_solver_free(TriSolver *s);

/* y = x moved from x's map to y's map (Tpetra::Import, INSERT). */
int tri_import(TriVec *x, TriVec *y, char *err, int errlen);

/* y = x moved from x's map to y's map (Tpetra::Export, INSERT). */
int tri_export(TriVec *x, TriVec *y, char *err, int errlen);

/* A reusable Import between two maps (built once, executed many times). */
typedef struct TriImporter TriImporter;
int tri_importer_create(const TriMap *src, const TriMap *dst, TriImporter **out, char *err, int errlen);
int tri_importer_apply(TriImporter *imp, TriVec *x, TriVec *y, char *err, int errlen);
void tri_importer_free(TriImporter *imp);

#ifdef __cplusplus
}
#endif
#endif
