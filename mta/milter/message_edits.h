// A message as a milter sees it (header fields and body) and the changes a milter makes to it
// at end of message: add, insert, change or delete a header field, replace the body. Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "milter_protocol.h"

namespace mailsuite::mta::milter {

struct HeaderField {
  std::string name;
  std::string value;  // as sent to a filter: folds as "\n" + whitespace, no CR, no final line end
};

// A CRLF message cut into what a filter is sent. A value loses the one space after the colon
// unless `leading_space` (SMFIP_HDR_LEADSPC). The body is everything after the blank line.
struct SplitMessage {
  std::vector<HeaderField> fields;
  std::string_view body;
};
SplitMessage SplitForFilter(std::string_view message, bool leading_space);

// Applies the header and body changes among `changes`, in order, to a CRLF message and returns
// the result. Header values from a filter get their folds as CRLF, and a space after the colon
// unless the filter negotiated `leading_space`. Indexes follow libmilter: smfi_insheader's 0 is
// the top, smfi_chgheader's 1 is the first field of that name, and a change past the last one
// adds the field. A replaced body gets CRLF line ends. Envelope changes are ignored here.
std::string ApplyContentChanges(std::string_view message, const std::vector<Reply>& changes,
                                bool leading_space);

}  // namespace mailsuite::mta::milter
