// The one translation unit that holds doctest's implementation and main()
// for every unit-test executable.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
