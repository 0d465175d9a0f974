#include <ga.h>
#include <macdecls.h>
