#include <ga.h>
#include <macdecls.h>
/* exported by libga but not declared in ga.h: "regular", "block_cyclic",
   "scalapack", "tiled" or "tiled_irreg" (GA 5.8, global/src/base.c) */
void pnga_get_distribution_type(Integer g_a, char *type);
