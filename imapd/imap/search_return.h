// What a SEARCH returns: the RETURN options of ESEARCH (RFC 4731 3.1) and SEARCHRES's SAVE
// (RFC 5182 2.4), and the ESEARCH response built from the messages found (RFC 4731 3.2;
// with CONDSTORE's MODSEQ, RFC 7162 3.1.5). Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parser/command_parser.h"

namespace mailsuite::imapd {

struct SearchReturn {
  bool extended = false;  // answer with "* ESEARCH" instead of "* SEARCH"
  bool min = false;
  bool max = false;
  bool all = false;
  bool count = false;
  bool save = false;  // keep the result as "$" (RFC 5182)
};

// "RETURN (option …)" at args[*pos], if there: advances *pos past it. RETURN () means ALL
// (RFC 4731 3.1). nullopt and *error on a syntax error or an unknown option.
std::optional<SearchReturn> ParseSearchReturn(const std::vector<Arg>& args, size_t* pos,
                                              std::string* error);

// One message found: its sequence number or UID (whichever the command uses) and MODSEQ.
struct SearchHit {
  uint32_t number = 0;
  uint64_t modseq = 0;
};

// "ESEARCH (TAG "t") [UID] [MIN n] [MAX n] [ALL set] [COUNT n] [MODSEQ n]" for `hits` in
// ascending order. An empty result gives only COUNT 0, if asked (RFC 4731 3.1). MODSEQ, when
// `with_modseq` and something was returned, is the highest of the messages returned: all of
// them for ALL or COUNT, else MIN's and MAX's (RFC 4731 3.2, RFC 7162 3.1.5).
std::string FormatEsearch(std::string_view tag, bool uid, const SearchReturn& r,
                          const std::vector<SearchHit>& hits, bool with_modseq);

// Which hits SAVE keeps (RFC 5182 2.4): only the MIN and/or MAX when those are the only other
// options, else all of them. Indexes into `hits`, ascending.
std::vector<size_t> SavedHits(const SearchReturn& r, size_t hit_count);

}  // namespace mailsuite::imapd
