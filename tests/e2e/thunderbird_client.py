"""An IMAP client that talks the way Thunderbird (desktop, 153.x) talks, for end-to-end tests.

What it sends is taken from a wire trace of Thunderbird against Dovecot and from CLIENTS.md:
lower/mixed-case verbs (`authenticate PLAIN`, `UID fetch`, `uid store`, `noop`), AUTHENTICATE
PLAIN with the token after the "+" (no SASL-IR), capabilities read from the [CAPABILITY] code of
the greeting and of the tagged OK of the login, and choices driven by those capabilities, like
Thunderbird's:

- COMPRESS=DEFLATE advertised: `compress deflate` right after login (raw deflate, RFC 4978).
- UTF8=ACCEPT advertised: `enable UTF8=ACCEPT`.
- LIST-EXTENDED advertised: `list (subscribed) "" "*"` (plus `return (special-use)` with
  SPECIAL-USE); otherwise `lsub "" "*"` plus `list (special-use) "" "*"` with SPECIAL-USE, or
  plain `list "" "*"`.
- LITERAL+ advertised: APPEND with a non-synchronizing literal `{n+}`.
- CONDSTORE: off unless the caller opts in (as in Thunderbird).

It parses responses fully (literals, quoted strings, FETCH items), so tests can assert the bytes
that matter. Every read is bounded by the socket timeout. Nothing here knows about mailsuite.
"""

import base64
import re
import socket
import ssl
import time
import zlib

# The header fields Thunderbird 153 asks for when it downloads new message headers (trace).
HEADER_FIELDS = ("From", "To", "Cc", "Bcc", "Subject", "Date", "Message-ID", "Priority",
                 "X-Priority", "References", "Newsgroups", "In-Reply-To", "Content-Type",
                 "Reply-To", "Received")
HEADER_FETCH = "UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (" + " ".join(HEADER_FIELDS) + ")]"
# What it asks for to show a message preview without downloading the whole message.
PREVIEW_FETCH = ("UID RFC822.SIZE BODY.PEEK[HEADER.FIELDS (Content-Type Content-Transfer-Encoding)]"
                 " BODY.PEEK[TEXT]<0.2048>")
ID_ARGS = '("name" "Thunderbird" "version" "153.7.0")'


class ImapError(AssertionError):
    """The server answered in a way Thunderbird would not accept."""


# --- response parsing ---------------------------------------------------------------------------
class Atom(str):
    """An IMAP atom (also NIL is returned as None, numbers stay atoms: int(atom) converts)."""


def _tokenize(parts):
    """Turns a response (text parts alternating with literal bytes) into nested lists of tokens:
    Atom, bytes (quoted strings and literals), None (NIL) and lists for parentheses."""
    stack = [[]]
    for index, part in enumerate(parts):
        if index % 2 == 1:  # a literal
            stack[-1].append(bytes(part))
            continue
        text, i = part, 0
        while i < len(text):
            ch = text[i:i + 1]
            if ch == b" ":
                i += 1
            elif ch == b"(":
                stack.append([])
                i += 1
            elif ch == b")":
                if len(stack) == 1:
                    raise ImapError(f"unbalanced ')' in {parts!r}")
                done = stack.pop()
                stack[-1].append(done)
                i += 1
            elif ch == b'"':
                out, i = bytearray(), i + 1
                while i < len(text) and text[i:i + 1] != b'"':
                    if text[i:i + 1] == b"\\":
                        i += 1
                    out += text[i:i + 1]
                    i += 1
                if i >= len(text):
                    raise ImapError(f"unterminated quoted string in {parts!r}")
                stack[-1].append(bytes(out))
                i += 1
            elif ch == b"{" and re.fullmatch(rb"\{\d+\+?\}", text[i:]):
                i = len(text)  # the literal itself is the next part
            else:
                start, depth = i, 0
                while i < len(text):
                    c = text[i:i + 1]
                    if c == b"[":
                        depth += 1
                    elif c == b"]":
                        depth -= 1
                    elif depth == 0 and c in (b" ", b"(", b")"):
                        break
                    i += 1
                word = text[start:i].decode("utf-8", "replace")
                stack[-1].append(None if word.upper() == "NIL" else Atom(word))
    if len(stack) != 1:
        raise ImapError(f"unbalanced '(' in {parts!r}")
    return stack[0]


def _normalize_key(key):
    """FETCH item names compared the way clients do: case and inner spacing do not matter."""
    return re.sub(r"\s+", " ", key.upper()).strip()


class Untagged:
    """One untagged response: `* ...` with its literals."""

    def __init__(self, parts):
        self.parts = parts
        self.tokens = _tokenize(parts)
        # The raw text with literals shown as their size, for messages and simple matching.
        self.text = b"".join(p if i % 2 == 0 else b"" for i, p in enumerate(parts)).decode(
            "utf-8", "replace")

    def __repr__(self):
        return f"Untagged({self.text!r})"

    @property
    def kind(self):
        """EXISTS, FETCH, LIST, OK, ... (the word after a number for numbered responses)."""
        t = self.tokens
        if len(t) > 1 and isinstance(t[0], Atom) and t[0].isdigit():
            return str(t[1]).upper()
        return str(t[0]).upper() if t and isinstance(t[0], Atom) else ""

    @property
    def number(self):
        return int(self.tokens[0])

    def code(self):
        """The [CODE args] of an untagged OK/NO/BAD, or None."""
        m = re.match(r"(?:OK|NO|BAD|BYE|PREAUTH) \[([^\]]*)\]", self.text, re.I)
        return m.group(1) if m else None

    def fetch_items(self):
        """For `* n FETCH (k v ...)`: {NORMALIZED KEY: value}."""
        items = self.tokens[2]
        if not isinstance(items, list) or len(items) % 2:
            raise ImapError(f"malformed FETCH: {self.text!r}")
        return {_normalize_key(items[i]): items[i + 1] for i in range(0, len(items), 2)}


class Response:
    """The untagged responses of one command, then its tagged status."""

    def __init__(self, tag, untagged, status, text):
        self.tag, self.untagged, self.status, self.text = tag, untagged, status, text

    def __repr__(self):
        return f"Response({self.tag} {self.status} {self.text!r}, {self.untagged!r})"

    def code(self):
        m = re.match(r"\[([^\]]*)\]", self.text)
        return m.group(1) if m else None

    def of_kind(self, kind):
        return [u for u in self.untagged if u.kind == kind.upper()]

    def numbers(self, kind):
        return [u.number for u in self.of_kind(kind)]

    def codes(self):
        """The response codes of the untagged OKs (e.g. UIDVALIDITY 5) and of the tagged one."""
        found = [u.code() for u in self.untagged if u.kind == "OK" and u.code()]
        return found + ([self.code()] if self.code() else [])

    def code_value(self, name):
        for c in self.codes():
            word, _, rest = c.partition(" ")
            if word.upper() == name.upper():
                return rest
        return None

    def fetches(self):
        """[(sequence number, items)] of the untagged FETCH responses, in order."""
        return [(u.number, u.fetch_items()) for u in self.of_kind("FETCH")]


# --- transport -----------------------------------------------------------------------------------
class _Transport:
    """A socket with line and exact-size reads, and optional COMPRESS=DEFLATE (RFC 4978)."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = bytearray()
        self.deflate = None
        self.inflate = None
        self.wire_in = 0  # bytes received on the wire (compressed when compression is on)
        self.plain_in = 0  # the same after decompression
        self.wire_out = 0

    def send(self, data):
        if self.deflate:
            data = self.deflate.compress(data) + self.deflate.flush(zlib.Z_SYNC_FLUSH)
        self.wire_out += len(data)
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("server closed the connection")
        self.wire_in += len(chunk)
        if self.inflate:
            chunk = self.inflate.decompress(chunk)
        self.plain_in += len(chunk)
        self.buf += chunk

    def readline(self, limit=1 << 20):
        while True:
            end = self.buf.find(b"\r\n")
            if end >= 0:
                line = bytes(self.buf[:end])
                del self.buf[:end + 2]
                return line
            if len(self.buf) > limit:
                raise ImapError("response line too long")
            self._fill()

    def read_exact(self, n):
        while len(self.buf) < n:
            self._fill()
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    def start_compression(self):
        # RFC 4978: both directions are compressed from the first octet after the tagged OK.
        self.deflate = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
        self.inflate = zlib.decompressobj(-15)
        pending, self.buf = bytes(self.buf), bytearray()
        if pending:
            self.buf += self.inflate.decompress(pending)


# --- the client ----------------------------------------------------------------------------------
def quote(name):
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def uid_set(uids):
    """[1, 2, 3, 7] -> "1:3,7" (Thunderbird sends ranges)."""
    uids = sorted(uids)
    out, i = [], 0
    while i < len(uids):
        j = i
        while j + 1 < len(uids) and uids[j + 1] == uids[j] + 1:
            j += 1
        out.append(str(uids[i]) if i == j else f"{uids[i]}:{uids[j]}")
        i = j + 1
    return ",".join(out)


def header_fields(message, names):
    """Reference for BODY[HEADER.FIELDS (names)] (RFC 3501 6.4.5): the matching header fields in
    their original order and form, continuation lines included, then the blank line."""
    header = message.split(b"\r\n\r\n", 1)[0]
    fields = []
    for line in header.split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += b"\r\n" + line
        else:
            fields.append(line)
    wanted = {n.lower().encode() for n in names}
    kept = [f for f in fields if f.split(b":", 1)[0].strip().lower() in wanted]
    return b"".join(f + b"\r\n" for f in kept) + b"\r\n"


class SelectState:
    def __init__(self, response):
        self.exists = response.numbers("EXISTS")[-1]
        self.recent = (response.numbers("RECENT") or [0])[-1]
        self.uidvalidity = int(response.code_value("UIDVALIDITY"))
        self.uidnext = int(response.code_value("UIDNEXT"))
        modseq = response.code_value("HIGHESTMODSEQ")
        self.highestmodseq = int(modseq) if modseq else None
        self.read_write = response.code() == "READ-WRITE"
        flags = response.of_kind("FLAGS")
        self.flags = [str(f) for f in flags[-1].tokens[1]] if flags else []
        permanent = response.code_value("PERMANENTFLAGS")
        self.permanent_flags = permanent.strip("()").split() if permanent is not None else None


class ThunderbirdImap:
    """One IMAP connection as Thunderbird opens it. Use connect(), then login()."""

    def __init__(self, host, port, tls=False, timeout=30, use_condstore=False):
        sock = socket.create_connection((host, port), timeout=timeout)
        if tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE  # the test certificate is self-signed
            sock = ctx.wrap_socket(sock)
        self.sock = sock
        self.io = _Transport(sock)
        self.timeout = timeout
        self.use_condstore = use_condstore
        self.next_tag = 1
        self.transcript = []  # (direction, first line) for failure messages
        self.compressed = False
        self.enabled = set()
        greeting = self._read_untagged_line()
        if not greeting.text.upper().startswith("OK"):
            raise ImapError(f"greeting: {greeting.text!r}")
        self.greeting = greeting
        self.greeting_capabilities = self._caps_from_code(greeting.code())
        self.capabilities = set(self.greeting_capabilities or ())

    # --- low level ---------------------------------------------------------------------------
    @staticmethod
    def _caps_from_code(code):
        if code and code.upper().startswith("CAPABILITY "):
            return {c.upper() for c in code.split()[1:]}
        return None

    def has(self, capability):
        return capability.upper() in self.capabilities

    def _read_parts(self):
        """One response with its literals: [text, literal, text, literal, text]."""
        parts = []
        while True:
            line = self.io.readline()
            parts.append(line)
            m = re.search(rb"\{(\d+)\}$", line)
            if not m:
                return parts
            parts.append(self.io.read_exact(int(m.group(1))))

    def _read_untagged_line(self):
        parts = self._read_parts()
        if not parts[0].startswith(b"* "):
            raise ImapError(f"expected an untagged response, got {parts[0]!r}")
        self.transcript.append(("S", parts[0][:200]))
        parts[0] = parts[0][2:]
        return Untagged(parts)

    def _tag(self):
        tag = str(self.next_tag)
        self.next_tag += 1
        return tag

    def send_line(self, line):
        self.transcript.append(("C", line[:200]))
        self.io.send(line.encode() + b"\r\n")

    def read_response(self, tag):
        """Reads untagged responses until the tagged one for `tag`."""
        untagged = []
        while True:
            parts = self._read_parts()
            self.transcript.append(("S", parts[0][:200]))
            if parts[0].startswith(b"* "):
                parts[0] = parts[0][2:]
                untagged.append(Untagged(parts))
                continue
            if parts[0].startswith(b"+"):
                raise ImapError(f"unexpected continuation {parts[0]!r} while waiting for {tag}")
            word, _, rest = parts[0].decode("utf-8", "replace").partition(" ")
            if word != tag:
                raise ImapError(f"tagged response for {word!r}, expected {tag!r}: {parts[0]!r}")
            status, _, text = rest.partition(" ")
            return Response(tag, untagged, status.upper(), text)

    def command(self, text, expect="OK"):
        """Sends `TAG text`, returns the Response; raises unless the status is `expect`."""
        tag = self._tag()
        self.send_line(f"{tag} {text}")
        r = self.read_response(tag)
        if expect and r.status != expect:
            raise ImapError(f"{text!r} -> {r.status} {r.text} (expected {expect})")
        return r

    def last_exchange(self, n=12):
        return "\n".join(f"{d}: {line!r}" for d, line in self.transcript[-n:])

    # --- session setup -------------------------------------------------------------------------
    def capability(self):
        r = self.command("capability")
        found = r.of_kind("CAPABILITY")
        if len(found) != 1:
            raise ImapError(f"CAPABILITY gave {r!r}")
        self.capabilities = {str(c).upper() for c in found[0].tokens[1:]}
        return self.capabilities

    def login(self, user, password, client_id=True):
        """Thunderbird's login: AUTHENTICATE PLAIN (token after "+"), else AUTHENTICATE LOGIN,
        else LOGIN; capabilities from the tagged OK's code, else a CAPABILITY command; then
        COMPRESS, ENABLE UTF8=ACCEPT and ID as advertised."""
        if not self.capabilities:
            self.capability()
        if self.has("AUTH=PLAIN"):
            tag = self._tag()
            self.send_line(f"{tag} authenticate PLAIN")
            self._expect_continuation()
            token = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode())
            self.transcript.append(("C", b"<PLAIN token>"))
            self.io.send(token + b"\r\n")
            r = self.read_response(tag)
        elif self.has("AUTH=LOGIN"):
            tag = self._tag()
            self.send_line(f"{tag} authenticate LOGIN")
            for value in (user, password):
                self._expect_continuation()
                self.io.send(base64.b64encode(value.encode()) + b"\r\n")
            r = self.read_response(tag)
        else:
            r = self.command(f"login {quote(user)} {quote(password)}", expect=None)
        if r.status != "OK":
            raise ImapError(f"login failed: {r!r}")
        self.login_response = r
        caps = self._caps_from_code(r.code())
        if caps is None:
            self.capability()
        else:
            self.capabilities = caps
        if self.has("COMPRESS=DEFLATE"):
            self.command("compress deflate")
            self.io.start_compression()
            self.compressed = True
        if self.has("UTF8=ACCEPT"):
            enabled = self.command("enable UTF8=ACCEPT")
            for e in enabled.of_kind("ENABLED"):
                self.enabled |= {str(t).upper() for t in e.tokens[1:]}
        if client_id and self.has("ID"):
            self.id_response = self.command(f"ID {ID_ARGS}")
        return r

    def _expect_continuation(self):
        line = self.io.readline()
        self.transcript.append(("S", line[:200]))
        if not line.startswith(b"+"):
            raise ImapError(f"expected a '+' continuation, got {line!r}")
        return line

    def namespace(self):
        """(prefix, delimiter) of the personal namespace."""
        r = self.command("namespace")
        ns = r.of_kind("NAMESPACE")
        if len(ns) != 1:
            raise ImapError(f"NAMESPACE gave {r!r}")
        personal = ns[0].tokens[1][0]
        return personal[0].decode(), (personal[1].decode() if personal[1] else None)

    def _lists(self, r, kind="LIST"):
        """{name: set of attributes} from LIST/LSUB responses."""
        out = {}
        for u in r.of_kind(kind):
            attrs, _delim, name = u.tokens[1], u.tokens[2], u.tokens[3]
            out[name.decode() if isinstance(name, bytes) else str(name)] = {
                str(a) for a in attrs}
        return out

    def discover_folders(self):
        """Folder discovery as Thunderbird does it; then make sure a Trash exists (create and
        subscribe "Trash" when no folder carries \\Trash and none is called Trash).
        Returns ({name: attributes}, subscribed names, commands sent)."""
        sent = []

        def run(text):
            sent.append(text)
            return self.command(text)

        folders, subscribed = {}, set()
        if self.has("LIST-EXTENDED"):
            text = 'list (subscribed) "" "*"'
            if self.has("SPECIAL-USE"):
                text += " return (special-use)"
            listed = self._lists(run(text))
            for name, attrs in listed.items():
                if "\\SUBSCRIBED" in {a.upper() for a in attrs}:
                    subscribed.add(name)
                folders[name] = attrs
        else:
            subscribed = set(self._lists(run('lsub "" "*"'), "LSUB"))
            if self.has("SPECIAL-USE"):
                folders = self._lists(run('list (special-use) "" "*"'))
            folders.update({n: a | folders.get(n, set())
                            for n, a in self._lists(run('list "" "*"')).items()})
        folders.update(self._lists(run('list "" "INBOX"')))
        if not any("\\TRASH" in {a.upper() for a in attrs} for attrs in folders.values()):
            found = self._lists(run('list "" "Trash"'))
            if not found:
                run('create "Trash"')
                run('subscribe "Trash"')
                found = self._lists(run('list "" "Trash"'))
                if "Trash" not in found:
                    raise ImapError(f"created Trash does not list: {found!r}")
                subscribed.add("Trash")
            folders.update(found)
        return folders, subscribed, sent

    # --- selected state --------------------------------------------------------------------------
    def select(self, box):
        text = f"select {quote(box)}"
        if self.use_condstore and self.has("CONDSTORE"):
            text += " (CONDSTORE)"
        r = self.command(text)
        return SelectState(r)

    def fetch_flags(self, uid_range="1:*", changed_since=None):
        """`UID fetch 1:* (FLAGS)` -> ({uid: set(flags)}, Response)."""
        text = f"UID fetch {uid_range} (FLAGS)"
        if changed_since is not None:
            text = f"UID fetch {uid_range} (FLAGS) (CHANGEDSINCE {changed_since})"
        r = self.command(text)
        return {int(items["UID"]): {str(f) for f in items["FLAGS"]}
                for _, items in r.fetches() if "FLAGS" in items}, r

    def fetch_headers(self, uids):
        """New-mail header download -> {uid: items}."""
        r = self.command(f"UID fetch {uids} ({HEADER_FETCH})")
        return {int(items["UID"]): items for _, items in r.fetches()}, r

    def fetch_body(self, uid):
        r = self.command(f"UID fetch {uid} (UID RFC822.SIZE BODY.PEEK[])")
        found = [items for _, items in r.fetches() if int(items.get("UID", -1)) == uid]
        if len(found) != 1:
            raise ImapError(f"BODY.PEEK[] of UID {uid}: {r!r}")
        return found[0], r

    def fetch_preview(self, uid):
        r = self.command(f"UID fetch {uid} ({PREVIEW_FETCH})")
        found = [items for _, items in r.fetches() if int(items.get("UID", -1)) == uid]
        if len(found) != 1:
            raise ImapError(f"preview of UID {uid}: {r!r}")
        return found[0], r

    def store_seen(self, uid):
        return self.command(f"uid store {uid} +Flags (\\Seen)")

    def move(self, uid, box):
        """UID MOVE when offered, else what Thunderbird does without it: UID COPY, +FLAGS
        (\\Deleted), UID EXPUNGE (or EXPUNGE)."""
        if self.has("MOVE"):
            return self.command(f"uid move {uid} {quote(box)}")
        r = self.command(f"uid copy {uid} {quote(box)}")
        self.command(f"uid store {uid} +Flags (\\Deleted)")
        self.command(f"uid expunge {uid}" if self.has("UIDPLUS") else "expunge")
        return r

    def status(self, box, items="UIDNEXT MESSAGES UNSEEN RECENT"):
        r = self.command(f"STATUS {quote(box)} ({items})")
        found = r.of_kind("STATUS")
        if len(found) != 1:
            raise ImapError(f"STATUS gave {r!r}")
        values = found[0].tokens[2]
        return {str(values[i]).upper(): int(values[i + 1]) for i in range(0, len(values), 2)}

    def append(self, box, message, flags="(\\Seen)"):
        """APPEND as Thunderbird saves to Sent: LITERAL+ when offered, else a synchronizing
        literal. Returns the Response (with [APPENDUID v uid] when UIDPLUS)."""
        tag = self._tag()
        plus = "+" if self.has("LITERAL+") else ""
        self.send_line(f"{tag} append {quote(box)} {flags} {{{len(message)}{plus}}}")
        if not plus:
            self._expect_continuation()
        self.io.send(message + b"\r\n")
        r = self.read_response(tag)
        if r.status != "OK":
            raise ImapError(f"APPEND to {box}: {r!r}")
        return r

    def noop(self):
        return self.command("noop")

    # --- IDLE ------------------------------------------------------------------------------------
    def idle_start(self):
        """Sends IDLE and waits for the continuation; returns the tag."""
        tag = self._tag()
        self.send_line(f"{tag} IDLE")
        self._idle_tag = tag
        self._idle_seen = []
        while True:
            line = self.io.readline()
            self.transcript.append(("S", line[:200]))
            if line.startswith(b"+"):
                return tag
            if not line.startswith(b"* "):
                raise ImapError(f"IDLE answered {line!r}")
            self._idle_seen.append(Untagged([line[2:]]))

    def idle_wait(self, predicate, timeout):
        """Collects untagged responses during IDLE until predicate(untagged) is true for one of
        them or `timeout` seconds pass. Returns (matched response or None, all received)."""
        for u in self._idle_seen:
            if predicate(u):
                return u, list(self._idle_seen)
        deadline = time.monotonic() + timeout
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None, list(self._idle_seen)
                self.sock.settimeout(left)
                try:
                    parts = self._read_parts()
                except (socket.timeout, TimeoutError):
                    return None, list(self._idle_seen)
                self.transcript.append(("S", parts[0][:200]))
                if not parts[0].startswith(b"* "):
                    raise ImapError(f"during IDLE: {parts[0]!r}")
                parts[0] = parts[0][2:]
                u = Untagged(parts)
                self._idle_seen.append(u)
                if predicate(u):
                    return u, list(self._idle_seen)
        finally:
            self.sock.settimeout(self.timeout)

    def idle_done(self):
        """DONE; returns the Response that ends IDLE (untagged ones seen after DONE included)."""
        self.transcript.append(("C", b"DONE"))
        self.io.send(b"DONE\r\n")
        r = self.read_response(self._idle_tag)
        if r.status != "OK":
            raise ImapError(f"IDLE ended with {r!r}")
        return r

    # --- end ---------------------------------------------------------------------------------------
    def close(self):
        """Thunderbird mostly just closes its connections (trace: 'client closed')."""
        try:
            self.sock.close()
        except OSError:
            pass

    def logout(self):
        r = self.command("logout")
        if not r.of_kind("BYE"):
            raise ImapError(f"LOGOUT without BYE: {r!r}")
        self.close()
        return r
