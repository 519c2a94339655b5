// The MTA's names for the shared c-ares resolver (shared/net/dns_resolver.h).
#pragma once

#include "shared/net/dns_resolver.h"

namespace mailsuite::mta {

using dns::AddressAnswer;
using dns::DnsOutcome;
using dns::MxAnswer;
using dns::MxHost;
using dns::OrderMxHosts;
using dns::PtrAnswer;
using dns::Resolver;
using dns::TxtAnswer;

}  // namespace mailsuite::mta
