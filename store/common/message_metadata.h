// The cached metadata of a stored body: its MIME tree (envelope fields, body structure, part
// offsets), parsed once when the body is first stored so FETCH, SEARCH and header reads never
// parse the message again. Computed here, for every way a message enters the store (SMTP
// delivery, APPEND, COPY shares it), before the write transaction so no writer waits on a parse.
#pragma once

#include <string>

namespace mailsuite::store {

// `given` when not empty (tests inject their own), else the serialized MIME tree of `content`.
std::string MessageMetadata(const std::string& content, const std::string& given);

}  // namespace mailsuite::store
