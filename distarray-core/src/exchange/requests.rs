//! A list of in-flight requests whose memory is kept between uses, so
//! that a split-phase exchange (a halo's or a plan's `begin` / `finish`)
//! allocates nothing once it has run once.
//!
//! A request borrows its buffer for the lifetime of the MPI scope it was
//! started in, so a `Vec` of them cannot be stored in the plan. The plan
//! keeps an empty `Vec` of requests on byte slices with `'static`
//! lifetimes instead and turns it into a `Vec` for the scope's lifetimes
//! and element type and back by collecting an empty iterator, which the
//! standard library does in place (the element types differ only in
//! lifetimes and in the type behind a slice reference: same size, same
//! alignment), keeping the allocation. The zero-allocation test in
//! `tests/mpi_overlap.rs` watches that this stays so.

use mpi::request::{LocalScope, Request};

/// A message within an MPI scope: in flight, or arrived (with its data),
/// or done with.
pub(crate) enum Slot<'a, 's, T> {
    Posted(Request<'a, [T], &'s LocalScope<'a>>),
    Arrived(&'a [T]),
    Done,
}

impl<'a, T> Slot<'a, '_, T> {
    /// Tests a message in flight; true when it has arrived (or had).
    pub(crate) fn test(&mut self) -> bool {
        match std::mem::replace(self, Slot::Done) {
            Slot::Posted(req) => match req.test_with_data() {
                Ok((_, data)) => {
                    *self = Slot::Arrived(data);
                    true
                }
                Err(req) => {
                    *self = Slot::Posted(req);
                    false
                }
            },
            other => {
                *self = other;
                true
            }
        }
    }

    /// Waits for the message; its data (empty once taken before).
    pub(crate) fn wait(&mut self) -> &'a [T] {
        match std::mem::replace(self, Slot::Done) {
            Slot::Posted(req) => req.wait_for_data(),
            Slot::Arrived(data) => data,
            Slot::Done => &[],
        }
    }
}

/// The kept memory of a list of [`Slot`]s; always empty between uses.
pub(crate) struct Requests(Vec<Slot<'static, 'static, u8>>);

impl std::fmt::Debug for Requests {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Requests(room for {})", self.0.capacity())
    }
}

impl Requests {
    /// Room for `n` requests.
    pub(crate) fn with_capacity(n: usize) -> Requests {
        Requests(Vec::with_capacity(n))
    }

    /// The kept memory as an empty list for a scope (no allocation when
    /// its capacity suffices).
    pub(crate) fn open<'a, 's, T>(&mut self) -> Vec<Slot<'a, 's, T>> {
        // empty: `filter_map` never produces an element; collected in place
        std::mem::take(&mut self.0)
            .into_iter()
            .filter_map(|mut slot| {
                slot.wait();
                None
            })
            .collect()
    }

    /// Takes the list's memory back; a message still in flight is waited
    /// for.
    pub(crate) fn close<T>(&mut self, list: Vec<Slot<'_, '_, T>>) {
        self.0 = list
            .into_iter()
            .filter_map(|mut slot| {
                slot.wait();
                None
            })
            .collect();
    }
}
