// What the "body" test (RFC 5173 5) compares: the raw body, or the decoded text of the parts
// whose content type fits. The decoding work is charged to the run's StepBudget in proportion
// to the octets it touches, so a huge body ends the run instead of stalling it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "script.h"
#include "step_budget.h"

namespace mailsuite::sieve {

// :raw: the body after the header, undecoded (5.1). :text: the text/* leaf parts (5.3).
// :content: the leaf parts whose type has one of `content_types` as prefix ("text",
// "text/html", "" for all, 5.2). Parts are transfer-decoded (base64, quoted-printable) and text
// parts converted to UTF-8 from their charset. Multipart preambles and epilogues are not
// searched. nullopt when the budget ran out.
std::optional<std::vector<std::string>> BodyTexts(std::string_view message, BodyTransform transform,
                                                  const std::vector<std::string>& content_types,
                                                  StepBudget& budget);

}  // namespace mailsuite::sieve
