//! How a plan moves its messages: the options a plan is built with
//! ([`PlanOptions`], which also lists the environment variables read by
//! [`PlanOptions::from_env`]).

/// Bytes per packed chunk: a packed send larger than two chunks can go out
/// chunk by chunk, each packed just before the peer copies it, so the copy
/// reads cache rather than DRAM (1, 2, 4 and 8 MiB measured; 2 was best).
pub const DEFAULT_CHUNK_BYTES: usize = 2 << 20;

/// A plan writing at least this many bytes of its target by local copies
/// (or into a send buffer packed whole, or by unpacking received data)
/// writes them with streaming stores, which skip reading the target's cache
/// lines first: the target is far larger than a core's share of the cache
/// and is not read again by the plan. Rows -> columns of 5e7 f64 on 2
/// ranks: the local copy (100 MB per rank) took 9 ms instead of 12.5.
pub const DEFAULT_STREAM_MIN_BYTES: usize = 8 << 20;

/// How a plan's large packed messages travel between ranks.
///
/// # Examples
///
/// ```
/// use distarray_core::redistribute::{Plan, PlanOptions, Transport};
/// use distarray_core::{Comm, Dist, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let a = Layout::block(&comm, &[64]).unwrap();
/// let b = Layout::new(&comm, &[64], &[Dist::Cyclic]).unwrap();
/// let options = PlanOptions::default().with_transport(Transport::Whole);
/// let plan = Plan::<f64>::with_options(&a, &b, &options).unwrap();
/// assert_eq!(plan.transport(), Transport::Whole); // chosen, not timed
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[non_exhaustive]
pub enum Transport {
    /// The plan's first executions time every way that applies (the same
    /// on every rank) and keep the fastest. As a plan's
    /// [`transport`](crate::redistribute::Plan::transport): still timing.
    #[default]
    Auto,
    /// Everything for a peer packed at once, one message.
    Whole,
    /// Chunk by chunk through MPI, each chunk packed just before the peer's
    /// MPI copies it, out of cache.
    Chunked,
    /// Chunk by chunk through memory shared with same-node peers, which the
    /// peer copies out of with streaming stores (Linux); steps whose peer
    /// is elsewhere go chunk by chunk through MPI.
    SharedMemory,
}

impl Transport {
    /// The transport a name from `DISTARRAY_PLAN_TRANSPORT` means.
    fn from_name(name: &str) -> Option<Transport> {
        match name {
            "whole" => Some(Transport::Whole),
            "chunked" => Some(Transport::Chunked),
            "shared" => Some(Transport::SharedMemory),
            "auto" => Some(Transport::Auto),
            _ => None,
        }
    }
}

/// Options of a plan. Every rank must build a plan with the same
/// transport; ranks that ask for different ones get [`Transport::Auto`]
/// (rank 0 says so once).
///
/// Every knob of the exchange engine lives here and is passed explicitly
/// when a plan is built ([`Plan::with_options`](crate::redistribute::Plan::with_options)).
/// The environment is read in one place only, [`PlanOptions::from_env`],
/// which the plain constructors (`Plan::new`, halos, slicing, ...) use, so
/// a job can still be tuned without recompiling:
///
/// | variable | option | values |
/// |---|---|---|
/// | `DISTARRAY_PLAN_TRANSPORT` | [`transport`](PlanOptions::transport) | `whole`, `chunked`, `shared`, `auto` |
/// | `DISTARRAY_PLAN_CHUNK_BYTES` | [`chunk_bytes`](PlanOptions::chunk_bytes) | bytes |
/// | `DISTARRAY_PLAN_STREAM_BYTES` | [`stream_min_bytes`](PlanOptions::stream_min_bytes) | bytes |
/// | `DISTARRAY_NODE_SHM` | [`node_shared_memory`](PlanOptions::node_shared_memory) | `off` |
///
/// # Examples
///
/// Options are built from the defaults (the struct is `#[non_exhaustive]`)
/// and handed to a plan; a plan built with any options moves the same
/// cells:
///
/// ```
/// use distarray_core::redistribute::{Plan, PlanOptions, Transport};
/// use distarray_core::{Comm, Dist, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let options = PlanOptions::default()
///     .with_transport(Transport::Chunked)
///     .with_chunk_bytes(64 << 10);
/// assert_eq!(options.transport, Transport::Chunked);
/// assert_eq!(options.chunk_bytes, 64 << 10);
/// assert_eq!(PlanOptions::default().transport, Transport::Auto);
///
/// let rows = Layout::new(&comm, &[4, 6], &[Dist::Block, Dist::NotDistributed]).unwrap();
/// let cols = Layout::new(&comm, &[4, 6], &[Dist::NotDistributed, Dist::Block]).unwrap();
/// let a = DistArray::from_fn(&rows, |g: &[usize]| (10 * g[0] + g[1]) as f64);
/// let mut plan = Plan::with_options(&rows, &cols, &options).unwrap();
/// let mut b = DistArray::zeros(&cols);
/// plan.execute(&a, &mut b).unwrap();
/// assert_eq!(b.get(&[3, 5]).unwrap(), 35.0);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlanOptions {
    /// How large packed messages travel.
    pub transport: Transport,
    /// Bytes per chunk of a chunked send.
    pub chunk_bytes: usize,
    /// A plan's local copies (and whole-message packing, and unpacking)
    /// use streaming stores when they write at least this many bytes; a
    /// value other than the default also sets the shortest run that
    /// streams (0: every run, which the tests use on small arrays).
    pub stream_min_bytes: usize,
    /// Whether this rank may exchange through node shared memory at all.
    pub node_shared_memory: bool,
}

impl Default for PlanOptions {
    fn default() -> PlanOptions {
        PlanOptions {
            transport: Transport::Auto,
            chunk_bytes: DEFAULT_CHUNK_BYTES,
            stream_min_bytes: DEFAULT_STREAM_MIN_BYTES,
            node_shared_memory: true,
        }
    }
}

impl PlanOptions {
    /// The defaults, with whatever the `DISTARRAY_PLAN_*` and
    /// `DISTARRAY_NODE_SHM` variables of this process set (see
    /// [`PlanOptions`]); unparsable values are ignored.
    pub fn from_env() -> PlanOptions {
        let bytes = |name: &str| std::env::var(name).ok()?.parse::<usize>().ok();
        let defaults = PlanOptions::default();
        PlanOptions {
            transport: std::env::var("DISTARRAY_PLAN_TRANSPORT")
                .ok()
                .and_then(|v| Transport::from_name(&v))
                .unwrap_or(defaults.transport),
            chunk_bytes: bytes("DISTARRAY_PLAN_CHUNK_BYTES").unwrap_or(defaults.chunk_bytes),
            stream_min_bytes: bytes("DISTARRAY_PLAN_STREAM_BYTES")
                .unwrap_or(defaults.stream_min_bytes),
            node_shared_memory: std::env::var("DISTARRAY_NODE_SHM").map_or(true, |v| v != "off"),
        }
    }

    /// These options with another transport.
    pub fn with_transport(mut self, transport: Transport) -> PlanOptions {
        self.transport = transport;
        self
    }

    /// These options with another chunk size (at least one element).
    pub fn with_chunk_bytes(mut self, bytes: usize) -> PlanOptions {
        self.chunk_bytes = bytes;
        self
    }

    /// These options with another streaming-store threshold.
    pub fn with_stream_min_bytes(mut self, bytes: usize) -> PlanOptions {
        self.stream_min_bytes = bytes;
        self
    }

    /// These options with node shared memory allowed or not on this rank.
    pub fn with_node_shared_memory(mut self, allowed: bool) -> PlanOptions {
        self.node_shared_memory = allowed;
        self
    }
}
