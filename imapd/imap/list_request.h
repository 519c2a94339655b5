// The arguments of LIST in its extended form (RFC 5258 3, with SPECIAL-USE of RFC 6154 and
// STATUS of RFC 5819), read into one struct:
//   LIST [(selection options)] reference (pattern | (pattern …)) [RETURN (return options)]
// The base form "LIST reference pattern" is the special case with no options. Pure: no store,
// no session; an unknown option or a malformed list is an error (BAD, RFC 5258 3).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "parser/command_parser.h"

namespace mailsuite::imapd {

struct ListRequest {
  // Selection options: which names are listed.
  bool select_subscribed = false;   // SUBSCRIBED: only subscribed names (implies \Subscribed)
  bool select_special_use = false;  // SPECIAL-USE: only mailboxes with a special use
  bool recursive_match = false;     // RECURSIVEMATCH: parents of matches, with CHILDINFO
  // Return options: what each entry carries. CHILDREN and SPECIAL-USE attributes are always
  // sent (RFC 3348, RFC 6154 allow it), so they need no flag.
  bool return_subscribed = false;                        // \Subscribed
  std::optional<std::vector<std::string>> status_items;  // STATUS (…): "* STATUS" per entry

  std::string reference;
  std::vector<std::string> patterns;  // at least one, as sent (not joined with the reference)
  // The extended syntax (RFC 9051 6.3.9: selection options, a pattern list or RETURN), in which
  // an empty pattern means nothing special.
  bool extended = false;

  bool HasSelection() const { return select_subscribed || select_special_use; }
};

// nullopt with `error` (a text for BAD) when the arguments are not a valid LIST.
std::optional<ListRequest> ParseListRequest(const std::vector<Arg>& args, std::string& error);

}  // namespace mailsuite::imapd
