#include <petscksp.h>
#include <petscdmda.h>
