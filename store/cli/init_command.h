// `mailsuite init` and `mailsuite config sample`: the commands that create a working setup
// rather than manage one.
#pragma once

#include <string>

#include "shared/config.h"

namespace mailsuite::cli {

// mailsuite [--config FILE] [--set k=v]... init [--hostname NAME] [--domain NAME]
// Writes the config file if it does not exist yet (with the --set values baked in), creates the
// database, and generates a self-signed certificate when the configured one is missing.
// Idempotent: a second run changes nothing that exists. Receives the whole argv.
int RunInitCommand(int argc, char** argv);

// Thunderbird's config-v1.1.xml for `domain` served by this configuration, and the DNS records
// an admin publishes for it (autoconfig_command.cpp).
std::string RenderAutoconfig(const Config& config, const std::string& domain);
std::string RenderDnsAdvice(const Config& config, const std::string& domain);

// mailsuite config sample: prints the documented sample configuration (etc/mailsuite.conf).
int RunConfigCommand(int argc, char** argv);

}  // namespace mailsuite::cli
