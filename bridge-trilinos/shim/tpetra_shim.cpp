// The shim: catches every C++ exception at the boundary.
#include "tpetra_shim.h"

#include <BelosLinearProblem.hpp>
#include <BelosSolverFactory.hpp>
#include <BelosTpetraAdapter.hpp>
#include <Ifpack2_Factory.hpp>
#include <Teuchos_CommHelpers.hpp>
#include <Teuchos_DefaultMpiComm.hpp>
#include <Teuchos_ParameterList.hpp>
#include <Tpetra_Core.hpp>
#include <Tpetra_CrsMatrix.hpp>
#include <Tpetra_Export.hpp>
#include <Tpetra_Import.hpp>
#include <Tpetra_Map.hpp>
#include <Tpetra_Vector.hpp>
#include <algorithm>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

using SC = double;
using LO = int;
using GO = long long;
using Map = Tpetra::Map<LO, GO>;
using Vec = Tpetra::Vector<SC, LO, GO>;
using MV = Tpetra::MultiVector<SC, LO, GO>;
using OP = Tpetra::Operator<SC, LO, GO>;
using Crs = Tpetra::CrsMatrix<SC, LO, GO>;
using RowMatrix = Tpetra::RowMatrix<SC, LO, GO>;

struct TriMap { Teuchos::RCP<const Map> map; };
struct TriVec { Teuchos::RCP<Vec> vec; };
struct TriMat { Teuchos::RCP<Crs> mat; };
struct TriMV { Teuchos::RCP<MV> mv; };

/* A DualView over user memory: an unmanaged host view used as both sides
 * (the Serial node has one memory space). */
static typename MV::dual_view_type wrap_view(double *data, size_t rows, size_t cols) {
    Kokkos::View<double **, Kokkos::LayoutLeft, Kokkos::HostSpace, Kokkos::MemoryUnmanaged> raw(data, rows, cols);
    typename MV::dual_view_type::t_dev dev = raw;
    typename MV::dual_view_type::t_host host = raw;
    return typename MV::dual_view_type(dev, host);
}
struct TriImporter { Teuchos::RCP<Tpetra::Import<LO, GO>> imp; };

static int fail(const char *what, char *err, int errlen) {
    if (err && errlen > 0) {
        std::strncpy(err, what, errlen - 1);
        err[errlen - 1] = 0;
    }
    return -1;
}

#define GUARD(...)                                              \
    try {                                                       \
        __VA_ARGS__;                                            \
        return 0;                                               \
    } catch (const std::exception &e) {                         \
        return fail(e.what(), err, errlen);                     \
    } catch (...) {                                             \
        return fail("unknown C++ exception", err, errlen);      \
    }

static Teuchos::RCP<const Teuchos::Comm<int>> comm_of(MPI_Comm c) {
    return Teuchos::rcp(new Teuchos::MpiComm<int>(c));
}

extern "C" {

int tri_init(MPI_Comm comm, char *err, int errlen) {
    GUARD({
        if (!Tpetra::isInitialized()) {
            int argc = 0;
            char **argv = nullptr;
            Tpetra::initialize(&argc, &argv, comm);
        }
    })
}

int tri_finalize(char *err, int errlen) {
    GUARD({
        if (Tpetra::isInitialized()) Tpetra::finalize();
    })
}

int tri_map_contiguous(MPI_Comm comm, long long global, int local, TriMap **out, char *err, int errlen) {
    GUARD({ *out = new TriMap{Teuchos::rcp(new Map(global, (size_t)local, 0, comm_of(comm)))}; })
}

int tri_map_gids(MPI_Comm comm, long long global, const long long *gids, int n, TriMap **out, char *err, int errlen) {
    GUARD({
        Teuchos::ArrayView<const GO> v(n > 0 ? gids : nullptr, n);
        *out = new TriMap{Teuchos::rcp(new Map((Tpetra::global_size_t)global, v, 0, comm_of(comm)))};
    })
}

int tri_map_info(const TriMap *map, int *local, long long *global, int *contiguous, char *err, int errlen) {
    GUARD({
        *local = (int)map->map->getNodeNumElements();
        *global = (long long)map->map->getGlobalNumElements();
        *contiguous = map->map->isContiguous() ? 1 : 0;
    })
}

int tri_map_local_gids(const TriMap *map, long long *out, char *err, int errlen) {
    GUARD({
        auto n = map->map->getNodeNumElements();
        for (size_t i = 0; i < n; i++) out[i] = map->map->getGlobalElement((LO)i);
    })
}

void tri_map_free(TriMap *map) { delete map; }

int tri_vec_create(const TriMap *map, TriVec **out, char *err, int errlen) {
    GUARD({ *out = new TriVec{Teuchos::rcp(new Vec(map->map))}; })
}

int tri_vec_wrap(const TriMap *map, double *data, TriVec **out, char *err, int errlen) {
    GUARD({
        auto n = map->map->getNodeNumElements();
        *out = new TriVec{Teuchos::rcp(new Vec(map->map, wrap_view(data, n, 1)))};
    })
}

int tri_mv_wrap(const TriMap *map, double *data, int ncols, TriMV **out, char *err, int errlen) {
    GUARD({
        auto n = map->map->getNodeNumElements();
        *out = new TriMV{Teuchos::rcp(new MV(map->map, wrap_view(data, n, (size_t)ncols)))};
    })
}

int tri_mv_norms2(TriMV *mv, double *out, char *err, int errlen) {
    GUARD({
        Teuchos::ArrayView<double> v(out, mv->mv->getNumVectors());
        mv->mv->norm2(v);
    })
}

int tri_mv_scale(TriMV *mv, double alpha, char *err, int errlen) {
    GUARD({ mv->mv->scale(alpha); })
}

void tri_mv_free(TriMV *mv) { delete mv; }

/* Holding the host view keeps Tpetra's record of host access (and the
 * memory) until the bridge hands it back. */
struct TriHostView {
    MV::dual_view_type::t_host view;
    MV::dual_view_type::t_host::const_type const_view;
};

static void view_host(MV &mv, int readonly, TriHostView **view, double **data, int *len, long long *stride) {
    /* owned here until handed out: freed if getLocalViewHost throws */
    std::unique_ptr<TriHostView> v(new TriHostView{});
    if (readonly) {
        v->const_view = mv.getLocalViewHost(Tpetra::Access::ReadOnly);
        *data = const_cast<double *>(v->const_view.data());
        *stride = (long long)v->const_view.stride(1);
    } else {
        v->view = mv.getLocalViewHost(Tpetra::Access::ReadWrite);
        *data = v->view.data();
        *stride = (long long)v->view.stride(1);
    }
    *len = (int)mv.getLocalLength();
    *view = v.release();
}

int tri_vec_view_host(TriVec *vec, int readonly, TriHostView **view, double **data, int *len, char *err, int errlen) {
    long long stride = 0;
    GUARD({ view_host(*vec->vec, readonly, view, data, len, &stride); })
}

int tri_mv_view_host(TriMV *mv, int readonly, TriHostView **view, double **data, int *len, long long *stride, char *err,
                     int errlen) {
    GUARD({ view_host(*mv->mv, readonly, view, data, len, stride); })
}

void tri_host_view_free(TriHostView *view) { delete view; }

int tri_mv_create(const TriMap *map, int ncols, TriMV **out, char *err, int errlen) {
    GUARD({ *out = new TriMV{Teuchos::rcp(new MV(map->map, (size_t)ncols))}; })
}

int tri_vec_norm2(TriVec *vec, double *out, char *err, int errlen) {
    GUARD({ *out = vec->vec->norm2(); })
}

void tri_vec_free(TriVec *vec) { delete vec; }

int tri_mat_create(const TriMap *rows, const int *row_ptr, const long long *cols, const double *vals, TriMat **out, char *err, int errlen) {
    GUARD({
        /* the local part (allocation, insertion) may fail on one rank only;
         * fillComplete is collective: every rank learns whether all got
         * there before any enters it, so a local failure is an error
         * everywhere, never a hang */
        Teuchos::RCP<Crs> mat;
        std::string why;
        try {
            auto n = rows->map->getNodeNumElements();
            std::vector<size_t> counts(n);
            for (size_t i = 0; i < n; i++) counts[i] = (size_t)(row_ptr[i + 1] - row_ptr[i]);
            Teuchos::ArrayView<const size_t> cv(counts.data(), counts.size());
            mat = Teuchos::rcp(new Crs(rows->map, cv));
            for (size_t i = 0; i < n; i++) {
                int a = row_ptr[i], b = row_ptr[i + 1];
                if (b > a) {
                    mat->insertGlobalValues(rows->map->getGlobalElement((LO)i), Teuchos::ArrayView<const GO>(cols + a, b - a),
                                            Teuchos::ArrayView<const SC>(vals + a, b - a));
                }
            }
        } catch (const std::exception &e) {
            why = e.what();
            if (why.empty()) why = "CrsMatrix assembly failed";
        } catch (...) {
            why = "unknown C++ exception in CrsMatrix assembly";
        }
        int mine = why.empty() ? 1 : 0, all = 0;
        Teuchos::reduceAll<int, int>(*rows->map->getComm(), Teuchos::REDUCE_MIN, mine, Teuchos::outArg(all));
        if (!mine) throw std::runtime_error(why);
        if (!all) throw std::runtime_error("CrsMatrix assembly failed on another rank");
        mat->fillComplete();
        *out = new TriMat{mat};
    })
}

int tri_mat_apply(TriMat *mat, TriVec *x, TriVec *y, char *err, int errlen) {
    GUARD({ mat->mat->apply(*x->vec, *y->vec); })
}

void tri_mat_free(TriMat *mat) { delete mat; }

/* What a solver keeps between solves: the matrix, the preconditioner
 * (built once: Ifpack2 initialize + compute, the costly part) and the
 * method's name and parameters. The Belos linear problem and solver
 * manager are made per solve and destroyed when it returns, on success
 * and on an exception: both hold the solve's X and B (the problem as
 * X_/B_ and views curX_/curB_, the manager's status tests the last
 * solution they checked), which are unmanaged views of the caller's
 * arrays, free to go once the solve returned. */
struct TriSolver {
    Teuchos::RCP<Crs> mat;
    Teuchos::RCP<const OP> prec;
    std::string method;
    Teuchos::RCP<Teuchos::ParameterList> params;
};

int tri_solver_create(TriMat *mat, const char *method, const char *prec, TriSolver **out, char *err, int errlen) {
    GUARD({
        std::unique_ptr<TriSolver> s(new TriSolver{});
        s->mat = mat->mat;
        s->method = method;
        s->params = Teuchos::rcp(new Teuchos::ParameterList());
        {
            /* an unknown method is an error now, not at the first solve */
            Belos::SolverFactory<SC, MV, OP> factory;
            factory.create(s->method, s->params);
        }
        std::string p(prec);
        if (p != "none") {
            Ifpack2::Factory f;
            Teuchos::RCP<const RowMatrix> rm = mat->mat;
            auto pc = f.create<RowMatrix>(p == "ilu" ? "RILUK" : "RELAXATION", rm);
            Teuchos::ParameterList pl;
            if (p == "jacobi") pl.set("relaxation: type", "Jacobi");
            pc->setParameters(pl);
            pc->initialize();
            pc->compute();
            s->prec = pc;
        }
        *out = s.release();
    })
}

int tri_solver_solve(TriSolver *s, TriVec *b, TriVec *x, double rtol, double atol, int maxit, int *iterations,
                     double *achieved, int *converged, char *err, int errlen) {
    GUARD({
        double tol = rtol;
        if (atol > 0) {
            /* Belos scales by the initial residual: an absolute tolerance
             * is the relative one that reaches it from this start */
            Vec r(b->vec->getMap());
            s->mat->apply(*x->vec, r);
            r.update(1.0, *b->vec, -1.0);
            double r0 = r.norm2();
            tol = r0 > 0 ? std::max(rtol, atol / r0) : rtol;
        }
        s->params->set("Convergence Tolerance", tol);
        s->params->set("Maximum Iterations", maxit);
        /* locals: released when this returns or throws (see TriSolver) */
        Teuchos::RCP<const OP> A = s->mat;
        Teuchos::RCP<MV> X = x->vec;
        Teuchos::RCP<const MV> B = b->vec;
        auto problem = Teuchos::rcp(new Belos::LinearProblem<SC, MV, OP>(A, X, B));
        if (!s->prec.is_null()) problem->setRightPrec(s->prec);
        if (!problem->setProblem()) throw std::runtime_error("Belos::LinearProblem::setProblem failed");
        Belos::SolverFactory<SC, MV, OP> factory;
        auto belos = factory.create(s->method, s->params);
        belos->setProblem(problem);
        Belos::ReturnType r = belos->solve();
        *iterations = belos->getNumIters();
        *achieved = belos->achievedTol();
        *converged = (r == Belos::Converged) ? 1 : 0;
    })
}

void tri_solver_free(TriSolver *s) { delete s; }

int tri_import(TriVec *x, TriVec *y, char *err, int errlen) {
    GUARD({
        Tpetra::Import<LO, GO> importer(x->vec->getMap(), y->vec->getMap());
        y->vec->doImport(*x->vec, importer, Tpetra::INSERT);
    })
}

int tri_export(TriVec *x, TriVec *y, char *err, int errlen) {
    GUARD({
        Tpetra::Export<LO, GO> exporter(x->vec->getMap(), y->vec->getMap());
        y->vec->doExport(*x->vec, exporter, Tpetra::INSERT);
    })
}

int tri_importer_create(const TriMap *src, const TriMap *dst, TriImporter **out, char *err, int errlen) {
    GUARD({ *out = new TriImporter{Teuchos::rcp(new Tpetra::Import<LO, GO>(src->map, dst->map))}; })
}

int tri_importer_apply(TriImporter *imp, TriVec *x, TriVec *y, char *err, int errlen) {
    GUARD({ y->vec->doImport(*x->vec, *imp->imp, Tpetra::INSERT); })
}

void tri_importer_free(TriImporter *imp) { delete imp; }

}  // extern "C"
