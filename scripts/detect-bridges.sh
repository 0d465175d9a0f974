# Sourced by scripts/test and scripts/memcheck (bash, from the repository
# root): finds which bridges' native libraries are installed and sets
#   features  the cargo features to build with (a bridge whose library is
#             installed, and parallel HDF5)
#   excluded  `--exclude CRATE` for each bridge crate whose library is missing
# and says on stderr which are NOT built. Both scripts use the same features,
# so scripts/memcheck after scripts/test reuses its build.
me="scripts/$(basename "$0")"
features=()
excluded=()   # bridge crates whose library is missing are left out of the workspace build
if pkg-config --exists PETSc 2>/dev/null || [ -d "${PETSC_DIR:-/usr/lib/petsc}/include" ]; then
  features+=(petsc)
else
  echo "$me: PETSc not installed: the PETSc bridge tests are NOT run" >&2
  excluded+=(--exclude bridge-petsc)
fi
if pkg-config --exists hdf5-openmpi 2>/dev/null || [ -d /usr/lib/x86_64-linux-gnu/hdf5/openmpi ]; then
  features+=(hdf5 distarray-cli/hdf5)
else
  echo "$me: parallel HDF5 not installed: the HDF5 tests are NOT run" >&2
fi
# Zarr needs no system library (zarrs builds c-blosc and snappy with cc and c++): always on
features+=(zarr distarray-cli/zarr)
if [ -f "${TRILINOS_DIR:-/usr}/include/trilinos/Tpetra_Core.hpp" ] || [ -f "${TRILINOS_DIR:-/nonexistent}/include/Tpetra_Core.hpp" ]; then
  features+=(trilinos)
else
  echo "$me: Trilinos not installed: the Trilinos bridge tests are NOT run" >&2
  excluded+=(--exclude bridge-trilinos)
fi
if [ -f "${GA_DIR:-/nonexistent}/include/ga.h" ] || command -v ga-config >/dev/null; then
  features+=(ga)
else
  echo "$me: Global Arrays not installed: the GA bridge tests are NOT run" >&2
  excluded+=(--exclude bridge-ga)
fi
# Elemental is in no package registry: it is used when built into a prefix
# (ELEMENTAL_DIR, or /usr/local or /opt/elemental); see README, "Elemental"
elemental_found=""
for d in "${ELEMENTAL_DIR:-}" /usr/local /opt/elemental; do
  if [ -n "$d" ] && [ -f "$d/include/El.h" ] && { [ -f "$d/lib/libEl.so" ] || [ -f "$d/lib64/libEl.so" ]; }; then
    elemental_found="$d"; break
  fi
done
if [ -n "$elemental_found" ]; then
  features+=(elemental)
  export ELEMENTAL_DIR="$elemental_found"
else
  echo "$me: Elemental not found (no ELEMENTAL_DIR, /usr/local or /opt/elemental with include/El.h and lib/libEl.so): the Elemental bridge tests are NOT run" >&2
  excluded+=(--exclude bridge-elemental)
fi
