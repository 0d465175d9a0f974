//! Says, in the test report, which bridges were not built and therefore not
//! tested: each missing feature is an ignored test whose reason names the
//! library that was not found. (scripts/test turns on every bridge whose
//! library is installed.)

#[cfg(not(feature = "petsc"))]
#[test]
#[ignore = "the PETSc bridge tests were NOT run: feature `petsc` is off (PETSc not found; scripts/install-deps installs it)"]
fn petsc_bridge_tests() {}

#[cfg(not(feature = "trilinos"))]
#[test]
#[ignore = "the Trilinos bridge tests were NOT run: feature `trilinos` is off (Trilinos not found; scripts/install-deps installs it)"]
fn trilinos_bridge_tests() {}

#[cfg(not(feature = "ga"))]
#[test]
#[ignore = "the Global Arrays bridge tests were NOT run: feature `ga` is off (GA not found; scripts/install-deps installs it)"]
fn ga_bridge_tests() {}

#[cfg(not(feature = "elemental"))]
#[test]
#[ignore = "the Elemental bridge tests were NOT run: feature `elemental` is off (Elemental not found: it is in no registry; build it and set ELEMENTAL_DIR, see README)"]
fn elemental_bridge_tests() {}

#[cfg(not(feature = "hdf5"))]
#[test]
#[ignore = "the parallel HDF5 tests were NOT run: feature `hdf5` is off (parallel HDF5 not found; scripts/install-deps installs it)"]
fn hdf5_tests() {}
