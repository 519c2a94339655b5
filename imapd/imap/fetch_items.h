// FETCH attributes (RFC 3501 6.4.5): the item list of FETCH / UID FETCH parsed into a request,
// macros (ALL, FAST, FULL) expanded, BODY[section]<partial> and BINARY[part]<partial> (RFC 3516,
// RFC 9051 6.4.5) taken apart. Pure; no store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "parser/command_parser.h"

namespace mailsuite::imapd {

enum class FetchKind {
  kFlags,
  kInternalDate,
  kSize,
  kUid,
  kEnvelope,
  kBody,
  kBodyStructure,
  kRfc822,
  kRfc822Header,
  kRfc822Text,
  kSection,
  kModSeq,      // RFC 7162 3.1.4.1
  kBinary,      // BINARY[part]<partial>, BINARY.PEEK[…]: the part's content decoded
  kBinarySize,  // BINARY.SIZE[part]: the decoded size
};

// What a section names after its part number (RFC 3501 6.4.5).
enum class SectionKind { kAll, kHeader, kHeaderFields, kHeaderFieldsNot, kText, kMime };

struct Partial {
  uint64_t offset = 0;
  uint64_t length = 0;
};

struct FetchItem {
  FetchKind kind = FetchKind::kFlags;
  // kSection, and the part and partial of kBinary/kBinarySize:
  bool peek = false;           // BODY.PEEK[…] and BINARY.PEEK[…] do not set \Seen
  std::vector<uint32_t> part;  // "1.2" -> {1, 2}; empty for the message itself
  SectionKind section = SectionKind::kAll;
  std::vector<std::string> fields;  // HEADER.FIELDS[.NOT] names, as given
  std::optional<Partial> partial;
  std::string section_text;  // between the brackets, echoed in the response name
};

struct FetchRequest {
  std::vector<FetchItem> items;
  bool needs_content = false;  // message bytes (sections, RFC822*, BINARY*)
  bool has_binary = false;     // BINARY or BINARY.SIZE: a part's transfer encoding matters
  // MIME structure: ENVELOPE, BODY, BODYSTRUCTURE, and the offsets of every section but the
  // whole message (BODY[], RFC822), which is read without it.
  bool needs_tree = false;
  bool sets_seen = false;  // a non-PEEK body fetch: sets \Seen (RFC 3501 6.4.5)
  bool has_flags = false;
  bool has_uid = false;
  bool has_modseq = false;
};

// `arg` is one item/macro atom or a parenthesised list of items. nullopt on a syntax error,
// with a short reason in *error.
std::optional<FetchRequest> ParseFetchItems(const Arg& arg, std::string* error);

}  // namespace mailsuite::imapd
