//! Fancy indexing: boolean masks and integer index arrays, both distributed
//! (the original DistArray's roadmap promised these and never shipped them).
//!
//! - [`mask_select`](DistArrayBase::mask_select): the cells where a mask is
//!   true, in C order, as a 1-D array (`a[mask]`);
//! - [`mask_fill`](DistArrayBase::mask_fill): `a[mask] = value` (no communication);
//! - [`take`](DistArrayBase::take): `a.flat[indices]` for a distributed index array;
//! - [`put`](DistArrayBase::put): `a.flat[indices] = values`.
//!
//! Indices are flat C-order indices into the array (negative ones count
//! from the end); one out of range is an error on every rank.
//!
//! ```
//! use distarray_core::{Comm, Dist, DistArray, Layout};
//! let _u = mpi::initialize().unwrap();
//! let comm = Comm::world();
//! let layout = Layout::new(&comm, &[3, 4], &[Dist::Cyclic, Dist::Block]).unwrap();
//! let a = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] * 4 + ix[1]) as f64);
//! let big = a.map(|x| x > 7.5);
//! let picked = a.mask_select(&big).unwrap();
//! assert_eq!(picked.gather_all().unwrap().as_slice().unwrap(), &[8.0, 9.0, 10.0, 11.0]);
//! let idx = DistArray::from_fn(&Layout::block(&comm, &[3]).unwrap(), |i: &[usize]| [11i64, 0, -1][i[0]]);
//! assert_eq!(a.take(&idx).unwrap().gather_all().unwrap().as_slice().unwrap(), &[11.0, 0.0, 11.0]);
//! ```

use crate::array::{DistArray, DistArrayBase};
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::exchange::{Builder, Cells};
use crate::layout::{Dist, Layout};
use crate::ufunc::same_layout;
use ndarray::{ArrayD, Data, DataMut, IxDyn};

/// The array as a 1-D balanced block array in C order (a copy unless it is one).
fn flat_copy<T: Element, S: Data<Elem = T>>(a: &DistArrayBase<S>) -> Result<DistArray<T>> {
    let flat = Layout::block(a.layout().comm(), &[a.layout().global_len()])?;
    a.reshape_in(&flat)
}

/// Resolves (possibly negative) flat indices against `n` cells.
fn resolve(indices: &[i64], n: usize) -> Result<Vec<usize>> {
    indices
        .iter()
        .map(|&i| {
            let j = if i < 0 { i + n as i64 } else { i };
            if j < 0 || j >= n as i64 {
                Err(Error::IndexOutOfBounds {
                    index: vec![i],
                    shape: vec![n],
                })
            } else {
                Ok(j as usize)
            }
        })
        .collect()
}

impl<T: Element, S: Data<Elem = T>> DistArrayBase<S> {
    /// The cells where `mask` (same layout) is true, in C order, as a 1-D
    /// array split by where they were found (no further movement). Collective.
    pub fn mask_select<S2: Data<Elem = bool>>(
        &self,
        mask: &DistArrayBase<S2>,
    ) -> Result<DistArray<T>> {
        let comm = self.layout().comm();
        comm.agree(same_layout(self.layout(), mask.layout(), "mask_select"))?;
        let (values, flags) = (flat_copy(self)?, flat_copy(mask)?);
        let picked: Vec<T> = values
            .local()
            .iter()
            .zip(flags.local().iter())
            .filter(|(_, &m)| m)
            .map(|(&v, _)| v)
            .collect();
        let counts = comm.all_gather_u64(picked.len() as u64);
        let mut bounds = vec![0usize];
        for c in counts {
            bounds.push(bounds.last().unwrap() + c as usize);
        }
        let total = *bounds.last().unwrap();
        let layout =
            Layout::with_grid(comm, &[total], &[Dist::BlockBounds(bounds)], &[comm.size()])?;
        DistArrayBase::from_local(
            layout,
            ArrayD::from_shape_vec(IxDyn(&[picked.len()]), picked).expect("1-D"),
        )
    }

    /// `self.flat[indices]`: one value per index, in `indices`' layout. Collective.
    pub fn take<S2: Data<Elem = i64>>(&self, indices: &DistArrayBase<S2>) -> Result<DistArray<T>> {
        let comm = self.layout().comm();
        let n = self.layout().global_len();
        let wanted = comm.agree(resolve(
            &indices.local().iter().copied().collect::<Vec<_>>(),
            n,
        ))?;
        let flat = flat_copy(self)?;
        let target = indices.layout();
        comm.agree(if target.ndim() == 1 {
            Ok(())
        } else {
            Err(Error::InvalidArgument(
                "take: the index array must be 1-D".into(),
            ))
        })?;
        // target position g (local k) reads flat cell wanted[k]
        let starts = target.global_indices(0);
        let lookup: std::collections::HashMap<usize, usize> =
            starts.iter().copied().zip(wanted).collect();
        let map = |_: usize, g: usize| lookup.get(&g).copied();
        let mut plan =
            Builder::new("take", flat.layout(), target, &[], Ok(()))?.plan(Cells::Selected {
                perm: &[Some(0)],
                fixed: &[],
                map: &map,
            });
        let mut out = DistArray::zeros(target);
        plan.execute(&flat, &mut out)?;
        Ok(out)
    }
}

impl<T: Element, S: DataMut<Elem = T>> DistArrayBase<S> {
    /// `self[mask] = value` for a mask of the same layout. No communication.
    pub fn mask_fill<S2: Data<Elem = bool>>(
        &mut self,
        mask: &DistArrayBase<S2>,
        value: T,
    ) -> Result<()> {
        same_layout(self.layout(), mask.layout(), "mask_fill")?;
        ndarray::Zip::from(&mut self.local_mut())
            .and(&mask.local())
            .for_each(|x, &m| {
                if m {
                    *x = value
                }
            });
        Ok(())
    }

    /// `self[mask] = values`: `values` (1-D, any layout) fills the selected
    /// cells in C order (NumPy's boolean-mask assignment). Collective.
    pub fn mask_assign<S2: Data<Elem = bool>, S3: Data<Elem = T>>(
        &mut self,
        mask: &DistArrayBase<S2>,
        values: &DistArrayBase<S3>,
    ) -> Result<()> {
        let layout = self.layout().clone();
        let comm = layout.comm();
        comm.agree(same_layout(&layout, mask.layout(), "mask_assign"))?;
        let strides = crate::array::c_strides(layout.shape());
        let flat_index = DistArray::from_fn(&layout, |g: &[usize]| {
            g.iter().zip(&strides).map(|(i, s)| i * s).sum::<usize>() as i64
        });
        let targets = flat_index.mask_select(mask)?;
        comm.agree(if values.shape() == targets.shape() {
            Ok(())
        } else {
            Err(Error::ShapeMismatch {
                context: "mask_assign values (one per selected cell)".into(),
                expected: targets.shape().to_vec(),
                found: values.shape().to_vec(),
            })
        })?;
        let aligned = values.redistribute(targets.layout())?;
        self.put(&targets, &aligned)
    }

    /// `self.flat[indices] = values` (`values` in `indices`' layout, 1-D;
    /// for a repeated index the last occurrence in index order wins).
    /// Collective: each (index, value) pair goes to the rank owning the cell.
    pub fn put<S2: Data<Elem = i64>, S3: Data<Elem = T>>(
        &mut self,
        indices: &DistArrayBase<S2>,
        values: &DistArrayBase<S3>,
    ) -> Result<()> {
        let layout = self.layout().clone();
        let comm = layout.comm();
        let n = layout.global_len();
        let targets = comm.agree(
            same_layout(indices.layout(), values.layout(), "put").and_then(|()| {
                if indices.ndim() != 1 {
                    return Err(Error::InvalidArgument(
                        "put: the index array must be 1-D".into(),
                    ));
                }
                resolve(&indices.local().iter().copied().collect::<Vec<_>>(), n)
            }),
        )?;
        let positions = indices.layout().global_indices(0);
        let mut flat = flat_copy(self)?;
        let flat_layout = flat.layout().clone();
        let crate::map::AxisMap::Block(b) = flat_layout.map(0) else {
            unreachable!("flat copies are blocks")
        };
        // (position in the index array, target cell) pairs, and the values
        let mut to_index: Vec<Vec<u64>> = vec![Vec::new(); comm.size()];
        let mut to_value: Vec<Vec<T>> = vec![Vec::new(); comm.size()];
        for ((&t, &v), &p) in targets.iter().zip(values.local().iter()).zip(&positions) {
            let (owner, _) = b.owner(t);
            to_index[owner].extend([p as u64, t as u64]);
            to_value[owner].push(v);
        }
        let got_index = comm.all_to_all_varcount(&to_index);
        let got_value = comm.all_to_all_varcount(&to_value);
        let mut writes: Vec<(u64, u64, T)> = got_index
            .iter()
            .zip(&got_value)
            .flat_map(|(idx, vals)| {
                idx.chunks_exact(2)
                    .zip(vals)
                    .map(|(pt, &v)| (pt[0], pt[1], v))
            })
            .collect();
        writes.sort_by_key(|w| w.0); // the last occurrence in index order wins
        let start = b.owned_range(flat_layout.grid().coords()[0]).start;
        {
            let mut local = flat.local_mut();
            for (_, t, v) in writes {
                local[t as usize - start] = v;
            }
        }
        let back = flat.reshape_in(&layout)?;
        self.local_mut().assign(&back.local());
        Ok(())
    }
}
