//! [`Generator`]: NumPy's `Generator` methods, making distributed arrays.

use super::distributions::{Lemire32, Lemire64};
use super::fill::{fill_local, Kernel, Stream};
use super::{RandomElement, RandomFloat, RandomInteger};
use crate::array::{DistArray, DistArrayBase};
use crate::comm::fingerprint;
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::layout::Layout;
use ndarray::{ArrayViewMutD, DataMut};

/// Calls a generator can make: the call number shares the Philox counter's
/// high 64 bits with the retry tags.
const MAX_CALLS: u64 = 1 << 56;

/// A seeded generator of random arrays, like NumPy's
/// `numpy.random.Generator` (see the [module](super) notes): each call
/// makes (or fills) one array and advances the generator, so successive
/// calls give independent arrays. Every method is collective over the
/// layout's communicator and checks, in one small agreement, the arguments
/// and that every rank's generator is in the same state; on error every
/// rank gets the same error and the generator does not advance.
///
/// # Examples
///
/// ```
/// use distarray_core::{random::Generator, Comm, Dist, Layout};
/// let _u = mpi::initialize().unwrap();
/// let layout = Layout::new(&Comm::world(), &[30, 40], &[Dist::Cyclic, Dist::Block]).unwrap();
/// let mut rng = Generator::new(2024);
/// let a = rng.standard_normal::<f64>(&layout).unwrap();
/// let b = rng.standard_normal::<f64>(&layout).unwrap();
/// assert_ne!(a.gather_all().unwrap(), b.gather_all().unwrap());
/// assert_eq!(rng.calls(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Generator {
    seed: u64,
    calls: u64,
}

/// A [`Generator`] seeded with `seed`: NumPy's `numpy.random.default_rng`.
/// The seed is required: every rank must start from the same one.
///
/// # Examples
///
/// ```
/// use distarray_core::random::{default_rng, Generator};
/// assert_eq!(default_rng(5), Generator::new(5));
/// ```
pub fn default_rng(seed: u64) -> Generator {
    Generator::new(seed)
}

impl Generator {
    /// A generator seeded with `seed`, no array drawn yet.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::random::Generator;
    /// let rng = Generator::new(7);
    /// assert_eq!((rng.seed(), rng.calls()), (7, 0));
    /// ```
    pub fn new(seed: u64) -> Generator {
        Generator { seed, calls: 0 }
    }

    /// The seed.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(distarray_core::random::default_rng(9).seed(), 9);
    /// ```
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// How many arrays the generator has made or filled so far: the
    /// position in its stream of arrays.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{random::Generator, Comm, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[8]).unwrap();
    /// let mut rng = Generator::new(1);
    /// rng.random::<f32>(&layout).unwrap();
    /// assert!(rng.uniform(&layout, 1.0, 0.0).is_err()); // does not advance
    /// assert_eq!(rng.calls(), 1);
    /// ```
    pub fn calls(&self) -> u64 {
        self.calls
    }

    /// Fills `a` from the next stream with kernel `k`, after every rank
    /// agreed on `check`, the arguments `args`, the layout and the state.
    fn draw<K, S>(
        &mut self,
        context: &str,
        args: [u64; 2],
        check: Result<()>,
        a: &mut DistArrayBase<S>,
        k: impl FnOnce() -> K,
    ) -> Result<()>
    where
        K: Kernel,
        K::Out: Element,
        S: DataMut<Elem = K::Out>,
    {
        let layout = a.layout().clone();
        let check = check.and_then(|()| {
            if self.calls < MAX_CALLS {
                Ok(())
            } else {
                Err(Error::InvalidArgument(format!(
                    "{context}: the generator has made its 2^56 arrays"
                )))
            }
        });
        let words = [
            self.seed,
            self.calls,
            layout.fingerprint(),
            args[0],
            args[1],
        ];
        layout.comm().agree_on(context, fingerprint(words), check)?;
        fill_array(
            &k(),
            &Stream::new(self.seed, self.calls),
            &layout,
            a.local_mut(),
        );
        self.calls += 1;
        Ok(())
    }

    /// A new array of `T`'s standard distribution ([`RandomElement`]):
    /// floats uniform in [0, 1) with 53 (`f64`) or 24 (`f32`) random bits,
    /// as NumPy's `Generator.random`. Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{random::Generator, Comm, Dist, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::new(&Comm::world(), &[4, 6], &[Dist::Block, Dist::Cyclic]).unwrap();
    /// let a = Generator::new(8).random::<f64>(&layout).unwrap();
    /// assert!(a.local().iter().all(|x| (0.0..1.0).contains(x)));
    /// ```
    pub fn random<T: RandomElement>(&mut self, layout: &Layout) -> Result<DistArray<T>> {
        let mut a = DistArray::zeros(layout);
        self.random_into(&mut a)?;
        Ok(a)
    }

    /// Fills `a` in place like [`random`](Self::random). Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{random::Generator, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[100]).unwrap();
    /// let mut a = DistArray::<f64>::zeros(&layout);
    /// Generator::new(1).random_into(&mut a).unwrap();
    /// assert_eq!(a.local(), DistArray::<f64>::random(&layout, 1).local());
    /// ```
    pub fn random_into<T, S>(&mut self, a: &mut DistArrayBase<S>) -> Result<()>
    where
        T: RandomElement,
        S: DataMut<Elem = T>,
    {
        self.draw("random", [0, 0], Ok(()), a, T::standard)
    }

    /// A new array uniform in [`low`, `high`): `high` itself never occurs
    /// (where rounding would give it, the largest float below it stands
    /// in). `low < high`, both finite with a finite difference. Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{random::Generator, Comm, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[1000]).unwrap();
    /// let a = Generator::new(2).uniform(&layout, -1.0, 1.0).unwrap();
    /// assert!(a.local().iter().all(|x| (-1.0..1.0).contains(x)));
    /// ```
    pub fn uniform<T: RandomFloat>(
        &mut self,
        layout: &Layout,
        low: T,
        high: T,
    ) -> Result<DistArray<T>> {
        let mut a = DistArray::zeros(layout);
        self.uniform_into(&mut a, low, high)?;
        Ok(a)
    }

    /// Fills `a` in place like [`uniform`](Self::uniform). Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{random::Generator, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[100]).unwrap();
    /// let mut a = DistArray::<f32>::zeros(&layout);
    /// let mut rng = Generator::new(1);
    /// rng.uniform_into(&mut a, 5.0, 6.0).unwrap();
    /// assert!(a.local().iter().all(|x| (5.0..6.0).contains(x)));
    /// assert!(rng.uniform_into(&mut a, 6.0, 5.0).is_err());
    /// ```
    pub fn uniform_into<T, S>(&mut self, a: &mut DistArrayBase<S>, low: T, high: T) -> Result<()>
    where
        T: RandomFloat,
        S: DataMut<Elem = T>,
    {
        let (l, h) = (low.to_f64(), high.to_f64());
        let check = if !(l.is_finite() && h.is_finite() && l < h) {
            Err(Error::InvalidArgument(format!(
                "uniform: needs finite low < high, got low {l} and high {h}"
            )))
        } else if !T::finite_width(low, high) {
            Err(Error::InvalidArgument(format!(
                "uniform: high - low overflows (low {l}, high {h})"
            )))
        } else {
            Ok(())
        };
        let args = [l.to_bits(), h.to_bits()];
        self.draw("uniform", args, check, a, || T::uniform(low, high))
    }

    /// A new array of standard normal deviates (mean 0, variance 1), by
    /// the Box-Muller transform. Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{random::Generator, Comm, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[10_000]).unwrap();
    /// let z = Generator::new(5).standard_normal::<f64>(&layout).unwrap();
    /// let whole = z.gather_all().unwrap();
    /// assert!(whole.mean().unwrap().abs() < 0.05);
    /// ```
    pub fn standard_normal<T: RandomFloat>(&mut self, layout: &Layout) -> Result<DistArray<T>> {
        self.normal(layout, T::default(), T::one())
    }

    /// Fills `a` in place like [`standard_normal`](Self::standard_normal).
    /// Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{random::Generator, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[100]).unwrap();
    /// let mut z = DistArray::<f32>::zeros(&layout);
    /// Generator::new(5).standard_normal_into(&mut z).unwrap();
    /// assert!(z.local().iter().all(|x| x.abs() < 9.0));
    /// ```
    pub fn standard_normal_into<T, S>(&mut self, a: &mut DistArrayBase<S>) -> Result<()>
    where
        T: RandomFloat,
        S: DataMut<Elem = T>,
    {
        self.normal_into(a, T::default(), T::one())
    }

    /// A new array of normal deviates with mean `mean` and standard
    /// deviation `std` (NumPy's `loc` and `scale`): finite, `std >= 0`.
    /// Computed in `f64` (also for `f32`, then rounded). Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{random::Generator, Comm, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[10_000]).unwrap();
    /// let x = Generator::new(6).normal(&layout, 100.0f32, 3.0).unwrap();
    /// let whole = x.gather_all().unwrap();
    /// assert!((whole.mean().unwrap() - 100.0).abs() < 0.5);
    /// ```
    pub fn normal<T: RandomFloat>(
        &mut self,
        layout: &Layout,
        mean: T,
        std: T,
    ) -> Result<DistArray<T>> {
        let mut a = DistArray::zeros(layout);
        self.normal_into(&mut a, mean, std)?;
        Ok(a)
    }

    /// Fills `a` in place like [`normal`](Self::normal). Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{random::Generator, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[100]).unwrap();
    /// let mut a = DistArray::<f64>::zeros(&layout);
    /// let mut rng = Generator::new(3);
    /// rng.normal_into(&mut a, 1.0, 0.0).unwrap();
    /// assert!(a.local().iter().all(|&x| x == 1.0));
    /// assert!(rng.normal_into(&mut a, 0.0, -1.0).is_err());
    /// ```
    pub fn normal_into<T, S>(&mut self, a: &mut DistArrayBase<S>, mean: T, std: T) -> Result<()>
    where
        T: RandomFloat,
        S: DataMut<Elem = T>,
    {
        let (m, s) = (mean.to_f64(), std.to_f64());
        let check = if m.is_finite() && s.is_finite() && s >= 0.0 {
            Ok(())
        } else {
            Err(Error::InvalidArgument(format!(
                "normal: needs a finite mean and a finite std >= 0, got mean {m} and std {s}"
            )))
        };
        let args = [m.to_bits(), s.to_bits()];
        self.draw("normal", args, check, a, || T::normal(m, s))
    }

    /// A new array of integers uniform in [`low`, `high`) (NumPy's
    /// `Generator.integers` with its default `endpoint=False`), unbiased.
    /// `low < high`. Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{random::Generator, Comm, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[1000]).unwrap();
    /// let mut rng = Generator::new(7);
    /// let dice = rng.integers(&layout, 1i32, 7).unwrap();
    /// assert!(dice.local().iter().all(|d| (1..=6).contains(d)));
    /// assert!(rng.integers(&layout, 7i32, 1).is_err());
    /// ```
    pub fn integers<T: RandomInteger>(
        &mut self,
        layout: &Layout,
        low: T,
        high: T,
    ) -> Result<DistArray<T>> {
        let mut a = DistArray::zeros(layout);
        self.integers_into(&mut a, low, high)?;
        Ok(a)
    }

    /// Fills `a` in place like [`integers`](Self::integers). Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{random::Generator, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[100]).unwrap();
    /// let mut bytes = DistArray::<u8>::zeros(&layout);
    /// let mut rng = Generator::new(4);
    /// rng.integers_into(&mut bytes, 10, 20).unwrap();
    /// assert!(bytes.local().iter().all(|b| (10..20).contains(b)));
    /// assert!(rng.integers_into(&mut bytes, 20, 20).is_err());
    /// ```
    pub fn integers_into<T, S>(&mut self, a: &mut DistArrayBase<S>, low: T, high: T) -> Result<()>
    where
        T: RandomInteger,
        S: DataMut<Elem = T>,
    {
        let (l, h) = (low.to_i64(), high.to_i64());
        let check = if l < h {
            Ok(())
        } else {
            Err(Error::InvalidArgument(format!(
                "integers: needs low < high, got low {l} and high {h}"
            )))
        };
        let args = [l as u64, h as u64];
        // the number of values, 1 ..= 2^64 - 1 (1 on the error path)
        let range = if l < h {
            (h as i128 - l as i128) as u64
        } else {
            1
        };
        if range <= 1 << 32 {
            self.draw("integers", args, check, a, || Lemire32::<T>::new(l, range))
        } else {
            self.draw("integers", args, check, a, || Lemire64::<T>::new(l, range))
        }
    }
}

/// Fills `local`, this rank's buffer of `layout`, from stream `s` with
/// kernel `k` (through a C-order copy when the buffer is not C-contiguous).
pub(super) fn fill_array<K: Kernel>(
    k: &K,
    s: &Stream,
    layout: &Layout,
    mut local: ArrayViewMutD<'_, K::Out>,
) {
    if let Some(slice) = local.as_slice_mut() {
        return fill_local(k, s, layout, slice);
    }
    let mut c_order = vec![K::Out::default(); local.len()];
    fill_local(k, s, layout, &mut c_order);
    for (d, x) in local.iter_mut().zip(c_order) {
        *d = x;
    }
}
