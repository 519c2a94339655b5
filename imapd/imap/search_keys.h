// SEARCH keys (RFC 3501 6.4.4) parsed into a tree, and matched against one message. Parsing is
// pure; matching reads only what it is given (the row, the sequence number and, through
// loaders, the header block for header keys and a text search for BODY and TEXT, so a header
// key never reads the body). Nesting is bounded (kMaxSearchDepth).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parser/command_parser.h"
#include "sequence_set.h"
#include "store/types.h"

namespace mailsuite::imapd {

inline constexpr int kMaxSearchDepth = 64;

struct SearchKey {
  enum class Kind {
    kAll,
    kNone,
    kSequence,
    kUid,
    kSaved,  // "$" or "UID $": the last SEARCH (SAVE) result (RFC 5182 2.1)
    kFlag,
    kNotFlag,
    kRecent,  // \Recent to this session
    kKeyword,
    kUnkeyword,
    kHeader,
    kBody,
    kText,
    kBefore,
    kOn,
    kSince,
    kSentBefore,
    kSentOn,
    kSentSince,
    kLarger,
    kSmaller,
    kModSeq,  // RFC 7162 3.1.5: MODSEQ at or above `modseq`
    kNot,
    kOr,
    kAnd,
  };
  Kind kind = Kind::kAll;
  uint32_t flag = 0;        // kFlag / kNotFlag: a store::SystemFlag
  std::string name, value;  // kHeader: field name and text; kBody/kText/kKeyword: value
  int64_t number = 0;       // dates (days since the epoch), sizes
  std::optional<SequenceSet> set;
  std::vector<SearchKey> children;
  uint64_t modseq = 0;   // kModSeq
  bool address = false;  // kHeader of FROM/TO/CC/BCC: the parsed addresses match too
  // Whether matching needs the message's header or text (header or body keys).
  bool NeedsContent() const;
  // Whether a MODSEQ key is anywhere in the tree (the reply then ends with "(MODSEQ n)").
  bool UsesModSeq() const;
};

// The keys in args[start..] (implicitly ANDed). nullopt on a syntax error (reason in *error).
std::optional<SearchKey> ParseSearchKeys(const std::vector<Arg>& args, size_t start,
                                         std::string* error);

struct SearchMessage {
  const store::MessageInfo* info = nullptr;
  uint32_t seq = 0;
  uint32_t max_seq = 0;                          // "*" in a sequence set
  uint32_t max_uid = 0;                          // "*" in a UID set
  bool recent = false;                           // \Recent to this session
  const std::vector<uint32_t>* saved = nullptr;  // "$": UIDs, ascending; none if null
  // The header block (through the blank line that ends it), loaded on first use; nullptr if it
  // cannot be read.
  std::function<const std::string*()> header;
  // Whether the body (body_only) or the whole text contains `needle`, ASCII case-insensitively;
  // false if it cannot be read.
  std::function<bool(std::string_view needle, bool body_only)> contains;
};

bool MatchSearch(const SearchKey& key, const SearchMessage& m);

// Unfolded values of every `name` field in the header of `message` (RFC 5322 2.2.3).
std::vector<std::string> HeaderValues(std::string_view message, std::string_view name);

}  // namespace mailsuite::imapd
