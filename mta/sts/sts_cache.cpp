#include "sts_cache.h"

#include <Poco/Logger.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SecureStreamSocket.h>

#include "shared/tls.h"

namespace mailsuite::mta::sts {
namespace {

constexpr size_t kMaxPolicySize = 64 * 1024;  // RFC 8461 3.3

Poco::Logger& Log() { return Poco::Logger::get("mta-sts"); }

}  // namespace

std::optional<Policy> PolicyCache::PolicyFor(const std::string& domain, int64_t now) {
  std::optional<Entry> cached;
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(domain);
    if (it != cache_.end() && it->second.expires > now) cached = it->second;
  }
  // 3.1: exactly one "v=STSv1" record names the current policy; anything else is no record.
  TxtAnswer txt = resolver_.LookupTxt("_mta-sts." + domain);
  std::optional<std::string> id;
  int records = 0;
  for (const std::string& r : txt.records)
    if (r.rfind("v=STSv1", 0) == 0) {
      ++records;
      id = ParseTxtRecord(r);
    }
  if (records != 1 || !id) return cached ? std::optional<Policy>(cached->policy) : std::nullopt;
  if (cached && cached->id == *id) return cached->policy;

  auto text = Fetch(domain);
  std::optional<Policy> policy = text ? ParsePolicy(*text) : std::nullopt;
  if (!policy) {
    Log().warning("MTA-STS policy of " + domain +
                  " not fetched: " + (text ? std::string("not a valid policy") : text.error()) +
                  (cached ? "; keeping the cached one" : ""));
    return cached ? std::optional<Policy>(cached->policy) : std::nullopt;
  }
  Log().information("MTA-STS policy of " + domain + ": mode " + ModeName(policy->mode) + ", id " +
                    *id + ", max_age " + std::to_string(policy->max_age));
  std::lock_guard lock(mu_);
  cache_[domain] = Entry{*id, *policy, now + policy->max_age};
  return policy;
}

Result<std::string> PolicyCache::Fetch(const std::string& domain) const {
  std::string host = "mta-sts." + domain;
  AddressAnswer addresses = resolver_.LookupAddresses(host);
  if (addresses.outcome != DnsOutcome::kOk)
    return Status::Error("cannot resolve " + host + ": " + addresses.error);
  std::string last_error;
  for (const std::string& address : addresses.addresses) {
    try {
      // The certificate must be valid for mta-sts.<domain> (3.3): a verifying context, with
      // the name given to the socket for SNI and the name check.
      Poco::Net::SecureStreamSocket socket(MakeVerifyingClientTlsContext(settings_.ca_file));
      socket.setPeerHostName(host);
      Poco::Timespan timeout(settings_.timeout.count(), 0);
      socket.connect(Poco::Net::SocketAddress(address, settings_.port), timeout);
      socket.setReceiveTimeout(timeout);
      socket.setSendTimeout(timeout);
      // HTTP over the connected TLS socket (HTTPSClientSession would reset the port of a
      // connected session and throw).
      Poco::Net::HTTPClientSession session(socket);
      session.setTimeout(timeout);
      Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, "/.well-known/mta-sts.txt",
                                     Poco::Net::HTTPMessage::HTTP_1_1);
      request.setHost(host);
      session.sendRequest(request);
      Poco::Net::HTTPResponse response;
      std::istream& body = session.receiveResponse(response);
      // No redirects (3.3): anything but 200 is a failed fetch.
      if (response.getStatus() != Poco::Net::HTTPResponse::HTTP_OK)
        return Status::Error(host + " answered HTTP " + std::to_string(response.getStatus()));
      if (response.getContentType().rfind("text/plain", 0) != 0)
        return Status::Error(host + " sent " + response.getContentType() + ", not text/plain");
      std::string text(kMaxPolicySize + 1, '\0');
      body.read(text.data(), static_cast<std::streamsize>(text.size()));
      text.resize(static_cast<size_t>(body.gcount()));
      if (text.size() > kMaxPolicySize) return Status::Error(host + ": the policy is too big");
      return text;
    } catch (const Poco::Exception& e) {
      last_error = host + " [" + address + "]: " + e.displayText();
    } catch (const std::exception& e) {
      last_error = host + " [" + address + "]: " + e.what();
    }
  }
  return Status::Error(last_error);
}

}  // namespace mailsuite::mta::sts
