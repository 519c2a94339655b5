// `mailsuite init` and `mailsuite config sample`: the commands that create a working setup
// rather than manage one.
#pragma once

namespace mailsuite::cli {

// mailsuite [--config FILE] [--set k=v]... init [--hostname NAME] [--domain NAME]
// Writes the config file if it does not exist yet (with the --set values baked in), creates the
// database, and generates a self-signed certificate when the configured one is missing.
// Idempotent: a second run changes nothing that exists. Receives the whole argv.
int RunInitCommand(int argc, char** argv);

// mailsuite config sample: prints the documented sample configuration (etc/mailsuite.conf).
int RunConfigCommand(int argc, char** argv);

}  // namespace mailsuite::cli
