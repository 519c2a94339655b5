#include "shared/net/dns_resolver.h"

#include <ares.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <poll.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <random>

#include "shared/metrics/registry.h"

namespace mailsuite::dns {
namespace {

void InitAresOnce() {
  static std::once_flag once;
  std::call_once(once, [] { ares_library_init(ARES_LIB_INIT_ALL); });
}

DnsOutcome OutcomeOf(int status) {
  switch (status) {
    case ARES_SUCCESS:
      return DnsOutcome::kOk;
    case ARES_ENODATA:
      return DnsOutcome::kNoRecords;
    case ARES_ENOTFOUND:
    case ARES_EBADNAME:  // a name that cannot exist (a label over 63 octets, an empty one)
      return DnsOutcome::kNoDomain;
    default:
      return DnsOutcome::kTemporary;
  }
}

const char* OutcomeName(DnsOutcome outcome) {
  switch (outcome) {
    case DnsOutcome::kOk:
      return "ok";
    case DnsOutcome::kNoRecords:
      return "no_records";
    case DnsOutcome::kNoDomain:
      return "no_domain";
    case DnsOutcome::kTemporary:
      return "temporary_failure";
  }
  return "temporary_failure";
}

// Counts a lookup and its time when it goes out of scope, with the outcome its answer holds
// by then (mailsuite_dns_lookups_total, mailsuite_dns_lookup_duration_seconds).
class LookupMetrics {
 public:
  LookupMetrics(const char* type, const DnsOutcome& outcome)
      : type_(type), outcome_(outcome), start_(std::chrono::steady_clock::now()) {}
  ~LookupMetrics() {
    static metrics::Family<metrics::Counter>& lookups = metrics::Default().AddCounter(
        "mailsuite_dns_lookups_total",
        "DNS lookups by record type and outcome: ok, no_records, no_domain, temporary_failure.",
        {"type", "outcome"});
    static metrics::Family<metrics::Histogram>& seconds = metrics::Default().AddHistogram(
        "mailsuite_dns_lookup_duration_seconds", "How long DNS lookups took, by record type.",
        {"type"}, metrics::LatencyBuckets());
    lookups.With({type_, OutcomeName(outcome_)}).Inc();
    seconds.With({type_}).Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
  }

 private:
  const char* type_;
  const DnsOutcome& outcome_;
  std::chrono::steady_clock::time_point start_;
};

// One c-ares channel for one lookup, driven to completion with poll().
class Channel {
 public:
  Channel(const std::vector<Endpoint>& servers, std::chrono::milliseconds timeout) {
    InitAresOnce();
    ares_options opts{};
    opts.timeout = static_cast<int>(timeout.count());
    opts.tries = 2;
    int mask = ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
    ok_ = ares_init_options(&channel_, &opts, mask) == ARES_SUCCESS;
    if (ok_ && !servers.empty()) {
      std::string csv;
      for (const Endpoint& e : servers) csv += (csv.empty() ? "" : ",") + e.ToString();
      ok_ = ares_set_servers_ports_csv(channel_, csv.c_str()) == ARES_SUCCESS;
    }
  }
  ~Channel() {
    if (channel_) ares_destroy(channel_);
  }
  bool ok() const { return ok_; }
  ares_channel get() { return channel_; }

  // Processes events until no query is pending.
  void Run() {
    for (;;) {
      ares_socket_t socks[ARES_GETSOCK_MAXNUM];
      int bits = ares_getsock(channel_, socks, ARES_GETSOCK_MAXNUM);
      std::vector<pollfd> fds;
      for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
        short ev = 0;
        if (ARES_GETSOCK_READABLE(bits, i)) ev |= POLLIN;
        if (ARES_GETSOCK_WRITABLE(bits, i)) ev |= POLLOUT;
        if (ev) fds.push_back(pollfd{socks[i], ev, 0});
      }
      if (fds.empty()) return;
      timeval tv{}, max{1, 0};
      timeval* t = ares_timeout(channel_, &max, &tv);
      int ms = static_cast<int>(t->tv_sec * 1000 + t->tv_usec / 1000);
      int n = ::poll(fds.data(), fds.size(), ms);
      if (n <= 0) {
        ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // timeouts
        continue;
      }
      for (const pollfd& p : fds) {
        ares_process_fd(channel_,
                        (p.revents & (POLLIN | POLLERR | POLLHUP)) ? p.fd : ARES_SOCKET_BAD,
                        (p.revents & POLLOUT) ? p.fd : ARES_SOCKET_BAD);
      }
    }
  }

 private:
  ares_channel channel_ = nullptr;
  bool ok_ = false;
};

struct MxState {
  MxAnswer* answer;
};

void OnMx(void* arg, int status, int, unsigned char* abuf, int alen) {
  MxAnswer& a = *static_cast<MxState*>(arg)->answer;
  a.outcome = OutcomeOf(status);
  if (status != ARES_SUCCESS) {
    a.error = ares_strerror(status);
    return;
  }
  ares_mx_reply* mx = nullptr;
  int parsed = ares_parse_mx_reply(abuf, alen, &mx);
  if (parsed == ARES_ENODATA) {
    a.outcome = DnsOutcome::kNoRecords;
    return;
  }
  if (parsed != ARES_SUCCESS) {
    a.outcome = DnsOutcome::kTemporary;
    a.error = std::string("bad MX answer: ") + ares_strerror(parsed);
    return;
  }
  for (ares_mx_reply* r = mx; r; r = r->next)
    a.hosts.push_back(MxHost{r->host ? r->host : "", r->priority});
  ares_free_data(mx);
  // RFC 7505 3: a single MX with an empty exchange (the root) means "no mail here".
  if (a.hosts.size() == 1 && (a.hosts[0].name.empty() || a.hosts[0].name == ".")) {
    a.null_mx = true;
    a.hosts.clear();
  }
  OrderMxHosts(a.hosts);
}

void OnAddresses(void* arg, int status, int, ares_addrinfo* info) {
  AddressAnswer& a = *static_cast<AddressAnswer*>(arg);
  a.outcome = OutcomeOf(status);
  if (status != ARES_SUCCESS) {
    a.error = ares_strerror(status);
    return;
  }
  for (ares_addrinfo_node* n = info->nodes; n; n = n->ai_next) {
    char buf[INET6_ADDRSTRLEN] = {0};
    if (n->ai_family == AF_INET)
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(n->ai_addr)->sin_addr, buf, sizeof buf);
    else if (n->ai_family == AF_INET6)
      inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(n->ai_addr)->sin6_addr, buf, sizeof buf);
    if (buf[0] && std::find(a.addresses.begin(), a.addresses.end(), buf) == a.addresses.end())
      a.addresses.push_back(buf);
  }
  ares_freeaddrinfo(info);
  if (a.addresses.empty()) a.outcome = DnsOutcome::kNoRecords;
}

void OnTxt(void* arg, int status, int, unsigned char* abuf, int alen) {
  TxtAnswer& a = *static_cast<TxtAnswer*>(arg);
  a.outcome = OutcomeOf(status);
  if (status != ARES_SUCCESS) {
    a.error = ares_strerror(status);
    return;
  }
  ares_txt_ext* txt = nullptr;
  int parsed = ares_parse_txt_reply_ext(abuf, alen, &txt);
  if (parsed == ARES_ENODATA) {
    a.outcome = DnsOutcome::kNoRecords;
    return;
  }
  if (parsed != ARES_SUCCESS) {
    a.outcome = DnsOutcome::kTemporary;
    a.error = std::string("bad TXT answer: ") + ares_strerror(parsed);
    return;
  }
  // A record of several strings comes as several entries; record_start marks each first one.
  for (ares_txt_ext* t = txt; t; t = t->next) {
    if (t->record_start || a.records.empty()) a.records.emplace_back();
    a.records.back().append(reinterpret_cast<const char*>(t->txt), t->length);
  }
  ares_free_data(txt);
  if (a.records.empty()) a.outcome = DnsOutcome::kNoRecords;
}

// Raw A/AAAA answers (ares_addrinfo would follow the system's search rules and mix families).
struct FamilyState {
  AddressAnswer* answer;
  bool ipv6;
};

void OnFamily(void* arg, int status, int, unsigned char* abuf, int alen) {
  auto* st = static_cast<FamilyState*>(arg);
  AddressAnswer& a = *st->answer;
  a.outcome = OutcomeOf(status);
  if (status != ARES_SUCCESS) {
    a.error = ares_strerror(status);
    return;
  }
  int parsed = ARES_SUCCESS;
  char buf[INET6_ADDRSTRLEN];
  if (st->ipv6) {
    ares_addr6ttl ttls[64];
    int n = 64;
    parsed = ares_parse_aaaa_reply(abuf, alen, nullptr, ttls, &n);
    for (int i = 0; parsed == ARES_SUCCESS && i < n; ++i)
      if (inet_ntop(AF_INET6, &ttls[i].ip6addr, buf, sizeof buf)) a.addresses.push_back(buf);
  } else {
    ares_addrttl ttls[64];
    int n = 64;
    parsed = ares_parse_a_reply(abuf, alen, nullptr, ttls, &n);
    for (int i = 0; parsed == ARES_SUCCESS && i < n; ++i)
      if (inet_ntop(AF_INET, &ttls[i].ipaddr, buf, sizeof buf)) a.addresses.push_back(buf);
  }
  if (parsed == ARES_ENODATA || (parsed == ARES_SUCCESS && a.addresses.empty())) {
    a.outcome = DnsOutcome::kNoRecords;
  } else if (parsed != ARES_SUCCESS) {
    a.outcome = DnsOutcome::kTemporary;
    a.error = std::string("bad address answer: ") + ares_strerror(parsed);
  }
}

void OnPtr(void* arg, int status, int, unsigned char* abuf, int alen) {
  PtrAnswer& a = *static_cast<PtrAnswer*>(arg);
  a.outcome = OutcomeOf(status);
  if (status != ARES_SUCCESS) {
    a.error = ares_strerror(status);
    return;
  }
  hostent* host = nullptr;
  int parsed = ares_parse_ptr_reply(abuf, alen, nullptr, 0, AF_INET, &host);
  if (parsed != ARES_SUCCESS) {
    a.outcome = parsed == ARES_ENODATA ? DnsOutcome::kNoRecords : DnsOutcome::kTemporary;
    return;
  }
  if (host->h_name) a.names.push_back(host->h_name);
  for (char** alias = host->h_aliases; alias && *alias; ++alias) a.names.push_back(*alias);
  ares_free_hostent(host);
}

// "192.0.2.7" -> "7.2.0.192.in-addr.arpa", IPv6 in nibbles under ip6.arpa.
std::string ReverseName(const std::string& address) {
  unsigned char b[16];
  if (inet_pton(AF_INET, address.c_str(), b) == 1)
    return std::to_string(b[3]) + "." + std::to_string(b[2]) + "." + std::to_string(b[1]) + "." +
           std::to_string(b[0]) + ".in-addr.arpa";
  if (inet_pton(AF_INET6, address.c_str(), b) != 1) return "";
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (int i = 15; i >= 0; --i) {
    out += kHex[b[i] & 15];
    out += '.';
    out += kHex[b[i] >> 4];
    out += '.';
  }
  return out + "ip6.arpa";
}

}  // namespace

void OrderMxHosts(std::vector<MxHost>& hosts) {
  thread_local std::mt19937 rng(std::random_device{}());
  std::shuffle(hosts.begin(), hosts.end(), rng);
  std::stable_sort(hosts.begin(), hosts.end(),
                   [](const MxHost& a, const MxHost& b) { return a.preference < b.preference; });
}

Resolver::Resolver(std::vector<Endpoint> servers, std::chrono::milliseconds timeout)
    : servers_(std::move(servers)), timeout_(timeout) {}

MxAnswer Resolver::LookupMx(const std::string& domain) const {
  MxAnswer answer;
  const LookupMetrics counted("MX", answer.outcome);
  Channel ch(servers_, timeout_);
  if (!ch.ok()) {
    answer.error = "cannot set up the DNS resolver";
    return answer;
  }
  MxState state{&answer};
  ares_query(ch.get(), domain.c_str(), ns_c_in, ns_t_mx, OnMx, &state);
  ch.Run();
  return answer;
}

AddressAnswer Resolver::LookupAddresses(const std::string& host) const {
  AddressAnswer answer;
  // An address literal needs no lookup.
  unsigned char tmp[16];
  if (inet_pton(AF_INET, host.c_str(), tmp) == 1 || inet_pton(AF_INET6, host.c_str(), tmp) == 1) {
    answer.outcome = DnsOutcome::kOk;
    answer.addresses.push_back(host);
    return answer;
  }
  const LookupMetrics counted("A_AAAA", answer.outcome);
  Channel ch(servers_, timeout_);
  if (!ch.ok()) {
    answer.error = "cannot set up the DNS resolver";
    return answer;
  }
  ares_addrinfo_hints hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_flags = ARES_AI_NOSORT;
  ares_getaddrinfo(ch.get(), host.c_str(), nullptr, &hints, OnAddresses, &answer);
  ch.Run();
  return answer;
}

AddressAnswer Resolver::LookupAddressFamily(const std::string& name, bool ipv6) const {
  AddressAnswer answer;
  const LookupMetrics counted(ipv6 ? "AAAA" : "A", answer.outcome);
  Channel ch(servers_, timeout_);
  if (!ch.ok()) {
    answer.error = "cannot set up the DNS resolver";
    return answer;
  }
  FamilyState state{&answer, ipv6};
  ares_query(ch.get(), name.c_str(), ns_c_in, ipv6 ? ns_t_aaaa : ns_t_a, OnFamily, &state);
  ch.Run();
  return answer;
}

PtrAnswer Resolver::LookupPtr(const std::string& address) const {
  PtrAnswer answer;
  const LookupMetrics counted("PTR", answer.outcome);
  std::string name = ReverseName(address);
  Channel ch(servers_, timeout_);
  if (name.empty() || !ch.ok()) {
    answer.error = "cannot look up " + address;
    return answer;
  }
  ares_query(ch.get(), name.c_str(), ns_c_in, ns_t_ptr, OnPtr, &answer);
  ch.Run();
  return answer;
}

TxtAnswer Resolver::LookupTxt(const std::string& name) const {
  TxtAnswer answer;
  const LookupMetrics counted("TXT", answer.outcome);
  Channel ch(servers_, timeout_);
  if (!ch.ok()) {
    answer.error = "cannot set up the DNS resolver";
    return answer;
  }
  ares_query(ch.get(), name.c_str(), ns_c_in, ns_t_txt, OnTxt, &answer);
  ch.Run();
  return answer;
}

}  // namespace mailsuite::dns
