#include "list_request.h"

#include "status_items.h"

namespace mailsuite::imapd {
namespace {

bool Fail(std::string& error, const char* text) {
  error = text;
  return false;
}

bool SelectionOptions(const Arg& list, ListRequest& r, std::string& error) {
  for (const Arg& a : list.items) {
    if (a.IsAtom("SUBSCRIBED"))
      r.select_subscribed = true;
    else if (a.IsAtom("SPECIAL-USE"))
      r.select_special_use = true;
    else if (a.IsAtom("RECURSIVEMATCH"))
      r.recursive_match = true;
    else if (!a.IsAtom("REMOTE"))  // REMOTE: there are no remote mailboxes, nothing changes
      return Fail(error, "Unsupported LIST selection option");
  }
  // RFC 5258 3: RECURSIVEMATCH alone (or with only REMOTE) is an error.
  if (r.recursive_match && !r.HasSelection())
    return Fail(error, "RECURSIVEMATCH needs another selection option");
  return true;
}

bool ReturnOptions(const Arg& list, ListRequest& r, std::string& error) {
  for (size_t i = 0; i < list.items.size(); ++i) {
    const Arg& a = list.items[i];
    if (a.IsAtom("SUBSCRIBED")) {
      r.return_subscribed = true;
    } else if (a.IsAtom("CHILDREN") || a.IsAtom("SPECIAL-USE")) {
      // always returned anyway
    } else if (a.IsAtom("STATUS") && i + 1 < list.items.size()) {
      std::string why;
      auto items = ParseStatusItems(list.items[++i], why);
      if (!items) return Fail(error, "Bad STATUS return option");
      // RFC 9051 6.3.9: an option given twice counts once; the first one stands.
      if (!r.status_items) r.status_items = std::move(items);
    } else {
      return Fail(error, "Unsupported LIST return option");
    }
  }
  return true;
}

}  // namespace

std::optional<ListRequest> ParseListRequest(const std::vector<Arg>& args, std::string& error) {
  static const char kSyntax[] =
      "Syntax: LIST [(options)] reference pattern|(patterns) [RETURN (options)]";
  ListRequest r;
  size_t i = 0;
  if (i < args.size() && args[i].kind == Arg::Kind::kList) {
    if (!SelectionOptions(args[i], r, error)) return std::nullopt;
    r.extended = true;
    ++i;
  }
  if (i + 2 > args.size() || !args[i].IsAstring()) {
    error = kSyntax;
    return std::nullopt;
  }
  r.reference = args[i++].text;
  const Arg& pat = args[i++];
  if (pat.kind == Arg::Kind::kList) {
    r.extended = true;
    for (const Arg& p : pat.items) {
      if (!p.IsAstring()) {
        error = kSyntax;
        return std::nullopt;
      }
      r.patterns.push_back(p.text);
    }
  } else {
    r.patterns.push_back(pat.text);
  }
  if (r.patterns.empty()) {
    error = kSyntax;
    return std::nullopt;
  }
  if (i < args.size()) {
    if (i + 2 != args.size() || !args[i].IsAtom("RETURN") || args[i + 1].kind != Arg::Kind::kList) {
      error = kSyntax;
      return std::nullopt;
    }
    if (!ReturnOptions(args[i + 1], r, error)) return std::nullopt;
    r.extended = true;
  }
  // RFC 5258 3: the SUBSCRIBED selection option implies the SUBSCRIBED return option.
  if (r.select_subscribed) r.return_subscribed = true;
  return r;
}

}  // namespace mailsuite::imapd
