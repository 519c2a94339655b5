// ENVELOPE and BODY/BODYSTRUCTURE strings (RFC 3501 7.4.2, grammar in section 9).
#include <string>

#include <algorithm>

#include "mime_internal.h"

namespace mailsuite::mail {
namespace {

// Longer strings go as literals: quoted strings are meant for short protocol values.
constexpr size_t kMaxQuoted = 1000;

// An IMAP string: quoted when every octet is a 7-bit TEXT-CHAR, else a literal. IMAP allows
// no NUL anywhere (RFC 3501 9, note 3), so NULs are dropped.
void AppendString(std::string& out, std::string_view s) {
  bool literal = s.size() > kMaxQuoted;
  bool has_nul = false;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u == 0) has_nul = true;
    if (c == '\r' || c == '\n' || u >= 0x80) literal = true;
  }
  std::string cleaned;
  if (has_nul) {
    for (char c : s)
      if (c != '\0') cleaned += c;
    s = cleaned;
  }
  if (literal) {
    out += '{';
    out += std::to_string(s.size());
    out += "}\r\n";
    out.append(s);
    return;
  }
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

void AppendNString(std::string& out, const std::optional<std::string>& s) {
  if (s) {
    AppendString(out, *s);
  } else {
    out += "NIL";
  }
}

void AppendAddresses(std::string& out, const std::vector<EnvelopeAddress>& list) {
  if (list.empty()) {
    out += "NIL";
    return;
  }
  out += '(';
  for (const EnvelopeAddress& a : list) {
    out += '(';
    AppendNString(out, a.name);
    out += ' ';
    AppendNString(out, a.route);
    out += ' ';
    AppendNString(out, a.mailbox);
    out += ' ';
    AppendNString(out, a.host);
    out += ')';
  }
  out += ')';
}

// body-fld-param: NIL or ("NAME" "value" ...); names upper-cased, values as written.
// How a body structure is written: BODY or BODYSTRUCTURE (extensions), and whether parameters
// are shown as written or RFC 2231-decoded (RFC 9051 7.5.2, for IMAP4rev2).
struct BodyForm {
  bool extensions = false;
  bool decode_params = false;
};

// "name*0*", "name*1", "name*" -> "name": the parameter an RFC 2231 section belongs to.
std::string_view BaseName(std::string_view attribute) {
  return attribute.substr(0, attribute.find('*'));
}

void AppendParams(std::string& out, const std::vector<MimeParam>& params, const BodyForm& form) {
  if (params.empty()) {
    out += "NIL";
    return;
  }
  out += '(';
  std::vector<std::string_view> done;  // decoded: each parameter once, in its first place
  for (size_t i = 0; i < params.size(); ++i) {
    std::string_view name = params[i].attribute;
    std::string value = params[i].value;
    if (form.decode_params) {
      name = BaseName(name);
      if (name.empty() || std::find(done.begin(), done.end(), name) != done.end()) continue;
      done.push_back(name);
      value = DecodeParamUtf8(params, name).value_or(value);
    }
    if (out.back() != '(') out += ' ';
    AppendString(out, mime_internal::Upper(name));
    out += ' ';
    AppendString(out, value);
  }
  out += ')';
}

// body-fld-dsp SP body-fld-lang SP body-fld-loc, shared by both extension forms.
void AppendDispositionLanguageLocation(std::string& out, const MimePart& part,
                                       const BodyForm& form) {
  out += ' ';
  if (part.disposition) {
    out += '(';
    AppendString(out, mime_internal::Upper(*part.disposition));
    out += ' ';
    AppendParams(out, part.disposition_params, form);
    out += ')';
  } else {
    out += "NIL";
  }
  out += ' ';
  if (part.language.empty()) {
    out += "NIL";
  } else {
    out += '(';
    for (size_t i = 0; i < part.language.size(); ++i) {
      if (i > 0) out += ' ';
      AppendString(out, part.language[i]);
    }
    out += ')';
  }
  out += ' ';
  AppendNString(out, part.location);
}

void AppendBody(std::string& out, const MimePart& part, const BodyForm& form);

void AppendMultipart(std::string& out, const MimePart& part, const BodyForm& form) {
  out += '(';
  for (const MimePart& child : part.children) AppendBody(out, child, form);  // no SP
  out += ' ';
  AppendString(out, mime_internal::Upper(part.subtype));
  if (form.extensions) {
    out += ' ';
    AppendParams(out, part.params, form);
    AppendDispositionLanguageLocation(out, part, form);
  }
  out += ')';
}

void AppendSinglePart(std::string& out, const MimePart& part, const BodyForm& form) {
  out += '(';
  AppendString(out, mime_internal::Upper(part.type));
  out += ' ';
  AppendString(out, mime_internal::Upper(part.subtype));
  out += ' ';
  AppendParams(out, part.params, form);
  out += ' ';
  AppendNString(out, part.id);
  out += ' ';
  AppendNString(out, part.description);
  out += ' ';
  AppendString(out, mime_internal::Upper(part.encoding));
  out += ' ';
  out += std::to_string(part.body_size);
  if (part.IsMessage()) {
    const MimePart& message = part.children[0];
    out += ' ';
    out += RenderEnvelope(message.envelope ? *message.envelope : Envelope{});
    out += ' ';
    AppendBody(out, message, form);
    out += ' ';
    out += std::to_string(part.body_lines);
  } else if (part.type == "text") {
    out += ' ';
    out += std::to_string(part.body_lines);
  }
  if (form.extensions) {
    out += ' ';
    AppendNString(out, part.md5);
    AppendDispositionLanguageLocation(out, part, form);
  }
  out += ')';
}

void AppendBody(std::string& out, const MimePart& part, const BodyForm& form) {
  if (part.IsMultipart()) {
    AppendMultipart(out, part, form);
  } else {
    AppendSinglePart(out, part, form);
  }
}

}  // namespace

std::string RenderEnvelope(const Envelope& e) {
  std::string out = "(";
  AppendNString(out, e.date);
  out += ' ';
  AppendNString(out, e.subject);
  out += ' ';
  AppendAddresses(out, e.from);
  out += ' ';
  AppendAddresses(out, e.sender.empty() ? e.from : e.sender);  // RFC 3501 7.4.2
  out += ' ';
  AppendAddresses(out, e.reply_to.empty() ? e.from : e.reply_to);
  out += ' ';
  AppendAddresses(out, e.to);
  out += ' ';
  AppendAddresses(out, e.cc);
  out += ' ';
  AppendAddresses(out, e.bcc);
  out += ' ';
  AppendNString(out, e.in_reply_to);
  out += ' ';
  AppendNString(out, e.message_id);
  out += ')';
  return out;
}

std::string RenderBodyStructure(const MimePart& part, bool extensions, bool decode_params) {
  std::string out;
  AppendBody(out, part, BodyForm{extensions, decode_params});
  return out;
}

}  // namespace mailsuite::mail
