#include "body.h"

#include <Poco/String.h>

#include <algorithm>

#include "shared/mail/header_scan.h"
#include "shared/mail/mime.h"
#include "shared/mail/text_decode.h"
#include "shared/mail/transfer_encoding.h"

namespace mailsuite::sieve {
namespace {

constexpr uint64_t kOctetsPerStep = 256;

// RFC 5173 5.2: "text" names a type, "text/html" a type and subtype, "" any.
bool TypeFits(const mail::MimePart& part, const std::string& wanted) {
  if (wanted.empty()) return true;
  size_t slash = wanted.find('/');
  if (slash == std::string::npos) return Poco::icompare(part.type, wanted) == 0;
  return Poco::icompare(part.type, wanted.substr(0, slash)) == 0 &&
         Poco::icompare(part.subtype, wanted.substr(slash + 1)) == 0;
}

class PartCollector {
 public:
  PartCollector(std::string_view message, BodyTransform transform,
                const std::vector<std::string>& types, StepBudget& budget)
      : message_(message), transform_(transform), types_(types), budget_(budget) {}

  // False when the budget ran out. Depth is bounded by mail::MimeLimits.
  bool Walk(const mail::MimePart& part) {
    if (part.IsMultipart() || part.IsMessage()) {
      for (const mail::MimePart& child : part.children)
        if (!Walk(child)) return false;
      return true;
    }
    bool wanted = transform_ == BodyTransform::kText
                      ? part.type == "text"
                      : std::any_of(types_.begin(), types_.end(),
                                    [&](const std::string& t) { return TypeFits(part, t); });
    if (!wanted) return true;
    if (part.body_offset() > message_.size()) return true;
    std::string_view body = message_.substr(part.body_offset(), part.body_size);
    if (!budget_.Charge(1 + body.size() / kOctetsPerStep)) return false;
    std::string text =
        mail::DecodeTransferEncoding(part.encoding, body).value_or(std::string(body));
    if (part.type == "text")
      text = mail::CharsetToUtf8(text, mail::DecodeParam(part.params, "charset").value_or(""));
    out.push_back(std::move(text));
    return true;
  }

  std::vector<std::string> out;

 private:
  std::string_view message_;
  BodyTransform transform_;
  const std::vector<std::string>& types_;
  StepBudget& budget_;
};

}  // namespace

std::optional<std::vector<std::string>> BodyTexts(std::string_view message, BodyTransform transform,
                                                  const std::vector<std::string>& content_types,
                                                  StepBudget& budget) {
  if (transform == BodyTransform::kRaw) {
    std::string_view body = message.substr(mail::HeaderEnd(message));
    if (!budget.Charge(1 + message.size() / kOctetsPerStep)) return std::nullopt;
    return std::vector<std::string>{std::string(body)};
  }
  // The MIME parse looks at every octet once.
  if (!budget.Charge(1 + message.size() / kOctetsPerStep)) return std::nullopt;
  mail::MimeTree tree = mail::ParseMime(message);
  PartCollector collector(message, transform, content_types, budget);
  if (!collector.Walk(tree.root)) return std::nullopt;
  return std::move(collector.out);
}

}  // namespace mailsuite::sieve
