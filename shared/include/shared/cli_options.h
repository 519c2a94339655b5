// cxxopts for every command line here, with list options that never split at commas:
// "--set smtp.milters=inet:127.0.0.1:11332, unix:/run/x.sock" is one value, as in the file.
#pragma once

#define CXXOPTS_VECTOR_DELIMITER '\0'
#include <cxxopts.hpp>
