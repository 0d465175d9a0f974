#include <El.h>
