// The IMAP command parser with literal framing (RFC 9051 4.3, 9) as the session reads a command,
// and the argument parsers handlers apply to what it returns: sequence sets, FETCH items and
// modifiers, SEARCH keys and RETURN options, LIST, STATUS items, flags, dates, SELECT
// parameters and mailbox names (modified UTF-7 both ways).
#include <algorithm>
#include <variant>

#include "../fuzz_target.h"
#include "imap/condstore.h"
#include "imap/fetch_items.h"
#include "imap/format.h"
#include "imap/list_request.h"
#include "imap/mailbox_utf7.h"
#include "imap/search_keys.h"
#include "imap/search_return.h"
#include "imap/sequence_set.h"
#include "imap/status_items.h"
#include "parser/command_parser.h"

namespace mailsuite::imapd {
namespace {

// Lines up to CRLF; a line that ends in a literal marker is followed by that many octets.
RawCommand Frame(std::string_view input) {
  RawCommand raw;
  size_t pos = 0;
  for (int lines = 0; lines < 1000; ++lines) {
    size_t eol = input.find("\r\n", pos);
    std::string_view line =
        input.substr(pos, eol == std::string_view::npos ? input.npos : eol - pos);
    raw.lines.emplace_back(line);
    if (eol == std::string_view::npos) break;
    pos = eol + 2;
    auto literal = TrailingLiteral(line);
    if (!literal) break;
    size_t n = static_cast<size_t>(std::min<uint64_t>(literal->size, input.size() - pos));
    raw.literals.emplace_back(input.substr(pos, n));
    pos += n;
  }
  if (raw.lines.size() == raw.literals.size()) raw.lines.emplace_back();
  return raw;
}

void Utf7RoundTrip(std::string_view text) {
  if (auto utf8 = MailboxUtf7ToUtf8(text)) (void)Utf8ToMailboxUtf7(*utf8);
  // Every UTF-8 name has a modified UTF-7 spelling that comes back unchanged.
  if (auto utf7 = Utf8ToMailboxUtf7(text)) {
    auto back = MailboxUtf7ToUtf8(*utf7);
    FUZZ_CHECK(back && *back == text);
  }
}

void OneArg(const Arg& a, int depth) {
  std::string error;
  (void)ParseFetchItems(a, &error);
  if (a.kind == Arg::Kind::kAtom) {
    if (auto set = SequenceSet::Parse(a.text)) (void)set->Contains(7, 100);
    (void)ParseModSeq(a, true);
  }
  if (a.kind != Arg::Kind::kList) {
    (void)ParseDateTime(a.text);
    (void)ParseSearchDate(a.text);
    Utf7RoundTrip(a.text);
    return;
  }
  (void)ParseFetchModifiers(a, &error);
  (void)ParseStoreModifiers(a, &error);
  (void)ParseSelectParams(a, &error);
  (void)ParseStatusItems(a, error);
  (void)ParseFlags(a.items);
  if (depth < 4)
    for (const Arg& item : a.items) OneArg(item, depth + 1);
}

MAILSUITE_FUZZ_TARGET(imap_command) {
  auto parsed = ParseCommand(Frame(input));
  const Command* c = std::get_if<Command>(&parsed);
  if (c == nullptr) return;
  for (const Arg& a : c->args) OneArg(a, 0);
  std::string error;
  for (size_t start = 0; start < std::min<size_t>(c->args.size(), 3); ++start)
    (void)ParseSearchKeys(c->args, start, &error);
  size_t pos = 0;
  if (auto ret = ParseSearchReturn(c->args, &pos, &error)) {
    FUZZ_CHECK(pos <= c->args.size());
    (void)SavedHits(*ret, 3);
  }
  (void)ParseListRequest(c->args, error);
}

}  // namespace
}  // namespace mailsuite::imapd
