// mailsuite autoconfig DOMAIN: Thunderbird's account autoconfiguration file (config-v1.1.xml,
// the format of Mozilla's ISP database) for this server, to publish at
// https://autoconfig.DOMAIN/mail/config-v1.1.xml and
// https://DOMAIN/.well-known/autoconfig/mail/config-v1.1.xml (the two places Thunderbird asks, in
// that order, before it guesses). Also the DNS records `init` suggests.
#include <iostream>

#include "cli_common.h"
#include "dkim_records.h"
#include "init_command.h"
#include "shared/config.h"

namespace mailsuite::cli {
namespace {

std::string Server(const std::string& kind, const std::string& type, const std::string& host,
                   const std::vector<Endpoint>& endpoints, const std::string& socket_type) {
  if (endpoints.empty()) return "";
  return "    <" + kind + " type=\"" + type + "\">\n      <hostname>" + host +
         "</hostname>\n      <port>" + std::to_string(endpoints[0].port) +
         "</port>\n      <socketType>" + socket_type +
         "</socketType>\n      <authentication>password-cleartext</authentication>\n"
         "      <username>%EMAILADDRESS%</username>\n    </" +
         kind + ">\n";
}

bool SafeForXml(const std::string& s) { return s.find_first_of("<>&\"'") == std::string::npos; }

}  // namespace

std::string RenderAutoconfig(const Config& c, const std::string& domain) {
  const std::string& host = c.general.hostname;
  // Implicit TLS first: Thunderbird prefers the first entry of a kind (RFC 8314 recommends it).
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<clientConfig version=\"1.1\">\n"
         "  <emailProvider id=\"" +
         domain + "\">\n    <domain>" + domain + "</domain>\n    <displayName>" + domain +
         " mail</displayName>\n"
         "    <displayShortName>" +
         domain + "</displayShortName>\n" +
         Server("incomingServer", "imap", host, c.imap.tls_listen, "SSL") +
         Server("incomingServer", "imap", host, c.imap.listen, "STARTTLS") +
         Server("incomingServer", "pop3", host, c.pop3.tls_listen, "SSL") +
         Server("incomingServer", "pop3", host, c.pop3.listen, "STARTTLS") +
         Server("outgoingServer", "smtp", host, c.smtp.submissions_listen, "SSL") +
         Server("outgoingServer", "smtp", host, c.smtp.submission_listen, "STARTTLS") +
         "  </emailProvider>\n</clientConfig>\n";
}

std::string RenderDnsAdvice(const Config& c, const std::string& domain) {
  const std::string& host = c.general.hostname;
  std::string records;
  for (const DnsRecord& r : DomainDnsRecords(c, domain))
    records += "  " + FormatDnsRecord(r) + (r.note.empty() ? "" : "\n      ; " + r.note) + "\n";
  return "Publish these DNS records for " + domain + ":\n" + records + "  " + host +
         ".  A/AAAA  <this server's public addresses>\n" + "  autoconfig." + domain + ".  CNAME  " +
         host + ".\nServe this MTA-STS policy at https://mta-sts." + domain +
         "/.well-known/mta-sts.txt:\n" + MtaStsPolicy(c) + "Serve `mailsuite autoconfig " + domain +
         "` for Thunderbird at https://autoconfig." + domain +
         "/mail/config-v1.1.xml\nand at https://" + domain +
         "/.well-known/autoconfig/mail/config-v1.1.xml;\n"
         "ask your provider for a PTR record " +
         host + " for this server's address.\n";
}

int RunAutoconfigCommand(const GlobalOptions& options, const std::vector<std::string>& words) {
  if (words.size() != 1) return UsageError("usage: autoconfig DOMAIN");
  auto config = LoadConfig(options.config_path, options.overrides);
  if (!config) return Fail(config.error());
  if (!SafeForXml(words[0]) || !SafeForXml(config->general.hostname))
    return Fail("'" + words[0] + "' is not a domain");
  std::cout << RenderAutoconfig(*config, words[0]);
  return kExitOk;
}

}  // namespace mailsuite::cli
