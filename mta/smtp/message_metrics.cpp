#include "message_metrics.h"

#include "shared/metrics/registry.h"

namespace mailsuite::mta {

void CountMessage(const SmtpSession& s, std::string_view reason, size_t octets) {
  static metrics::Family<metrics::Counter>& messages = metrics::Default().AddCounter(
      "mailsuite_smtp_messages_total",
      "Messages received over SMTP by what their final reply said (accepted, deferred or "
      "rejected) and why.",
      {"result", "reason"});
  static metrics::Counter& bytes =
      metrics::Default()
          .AddCounter("mailsuite_smtp_received_bytes_total",
                      "Octets of the messages accepted over SMTP, as their clients sent them.")
          .With({});
  const int code = s.last_reply_code();
  std::string_view result = code >= 500 ? "rejected" : code >= 400 ? "deferred" : "accepted";
  messages.With({result, reason}).Inc();
  if (code < 400) bytes.Inc(octets);
}

void CountAuthenticationResults(const InboundResults& results) {
  static metrics::Family<metrics::Counter>& checks = metrics::Default().AddCounter(
      "mailsuite_mail_auth_results_total",
      "Results of the checks of messages from strangers on port 25: method spf, dkim (one per "
      "signature, none without) or dmarc, and the result as Authentication-Results writes it.",
      {"method", "result"});
  checks.With({"spf", spf::ResultName(results.spf.result)}).Inc();
  if (results.dkim.empty()) checks.With({"dkim", "none"}).Inc();
  for (const DkimResult& d : results.dkim) checks.With({"dkim", DkimOutcomeName(d.outcome)}).Inc();
  checks.With({"dmarc", dmarc::OutcomeName(results.dmarc.outcome)}).Inc();
}

}  // namespace mailsuite::mta
