//! The checks every rank agrees on before a product, and the layouts SUMMA
//! runs in: A and B as given when they suit it, else redistributed.

use crate::comm::fingerprint;
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::grid::choose_grid;
use crate::layout::map::AxisMap;
use crate::layout::{Dist, Layout};

/// The layouts of one product: where SUMMA finds A and B and leaves C.
pub(super) struct Algorithm {
    pub(super) a: Layout,
    pub(super) b: Layout,
    pub(super) c: Layout,
}

/// The same verdict on every rank of A's communicator: both 2-D, inner
/// dimensions equal, one communicator, a result layout (when given) of
/// shape m x n on it, and the same arguments and element type everywhere.
pub(super) fn check<T: Element>(a: &Layout, b: &Layout, c: Option<&Layout>) -> Result<()> {
    let args = fingerprint([
        a.fingerprint(),
        b.fingerprint(),
        c.map_or(0, Layout::fingerprint),
        T::DTYPE as u64,
    ]);
    let local = (|| {
        for (name, l) in [("A", a), ("B", b)] {
            if l.ndim() != 2 {
                return Err(Error::InvalidArgument(format!(
                    "matmul needs 2-d arrays; {name} is {}-d (shape {:?})",
                    l.ndim(),
                    l.shape()
                )));
            }
        }
        if a.shape()[1] != b.shape()[0] {
            return Err(Error::ShapeMismatch {
                context: format!(
                    "matmul: A is {} x {}, so B needs {} rows",
                    a.shape()[0],
                    a.shape()[1],
                    a.shape()[1]
                ),
                expected: vec![a.shape()[1], b.shape()[1]],
                found: b.shape().to_vec(),
            });
        }
        if !a.comm().congruent(b.comm()) {
            return Err(Error::LayoutMismatch {
                context: "matmul".into(),
                detail: format!(
                    "A and B live on different communicators ({:?} and {:?}); \
                     move one across with Plan::across",
                    a.comm(),
                    b.comm()
                ),
            });
        }
        if let Some(c) = c {
            let want = [a.shape()[0], b.shape()[1]];
            if c.shape() != want {
                return Err(Error::ShapeMismatch {
                    context: "matmul: the result layout".into(),
                    expected: want.to_vec(),
                    found: c.shape().to_vec(),
                });
            }
            if !a.comm().congruent(c.comm()) {
                return Err(Error::LayoutMismatch {
                    context: "matmul".into(),
                    detail: "the result layout lives on another communicator than A".into(),
                });
            }
        }
        Ok(())
    })();
    a.comm().agree_on("matmul", args, local)
}

/// Structured maps without ghost cells on a 2-D grid: SUMMA's input.
fn structured(l: &Layout) -> bool {
    l.ndim() == 2
        && l.maps().iter().all(|m| match m {
            AxisMap::Block(b) => !b.is_padded(),
            AxisMap::Cyclic(_) => true,
            AxisMap::Unstructured(_) => false,
        })
}

/// A's own grid suits SUMMA when both its sides are cut (a 2-D grid) or it
/// is the grid a block x block layout of its shape would get anyway (a
/// tall array's rows, or a rank count with no 2-D grid).
fn grid_suits(l: &Layout) -> bool {
    let g = l.grid().shape();
    (g[0] > 1 && g[1] > 1)
        || choose_grid(l.comm().size(), l.shape(), &[Dist::Block, Dist::Block])
            .is_ok_and(|d| d == g)
}

/// The kind of `m` for another axis of the same grid size.
fn same_kind(m: &AxisMap) -> Dist {
    match m {
        AxisMap::Cyclic(c) => Dist::BlockCyclic(c.block_size()),
        _ => Dist::Block,
    }
}

/// The layouts SUMMA runs in (collective; after [`check`]): A's own when
/// it is block or cyclic on both axes on a grid that suits (else 2-D
/// blocks on the default grid); B's own when it is block or cyclic on the
/// same grid (else B's axes split as A's other axes are: block-cyclic
/// blocks of A's size stay aligned); C with A's rows and B's columns.
pub(super) fn algorithm(a: &Layout, b: &Layout) -> Result<Algorithm> {
    let comm = a.comm();
    let (m, k, n) = (a.shape()[0], a.shape()[1], b.shape()[1]);
    let a_alg = if structured(a) && grid_suits(a) {
        a.clone()
    } else {
        Layout::new(comm, &[m, k], &[Dist::Block, Dist::Block])?
    };
    let grid = a_alg.grid().shape().to_vec();
    let b_alg = if structured(b) && b.grid().shape() == grid.as_slice() {
        b.clone()
    } else {
        let dists = [same_kind(a_alg.map(1)), same_kind(a_alg.map(0))];
        Layout::with_grid(comm, &[k, n], &dists, &grid)?
    };
    let c = Layout::from_parts(
        comm.clone(),
        a_alg.grid().clone(),
        vec![a_alg.map(0).clone(), b_alg.map(1).clone()],
    );
    Ok(Algorithm {
        a: a_alg,
        b: b_alg,
        c,
    })
}
