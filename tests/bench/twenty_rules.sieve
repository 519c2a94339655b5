# The typical 20-rule script of tests/bench/sieve_bench.cpp and smtp_bench.py --sieve:
# most rules do not match a given message, so every test runs.
require ["fileinto", "envelope", "mailbox", "copy"];
if header :contains "List-Id" "<dev.lists.example.org>" { fileinto :create "Lists/dev"; stop; }
if header :contains "List-Id" "<announce.example.org>" { fileinto :create "Lists/announce"; stop; }
if header :contains "List-Id" "<users.example.net>" { fileinto :create "Lists/users"; stop; }
if exists "List-Unsubscribe" { fileinto :create "Newsletters"; stop; }
if address :domain :is "From" ["github.com", "gitlab.com"] { fileinto :create "Code"; stop; }
if address :is "From" "boss@example.org" { fileinto :copy "Important"; }
if address :localpart :is ["To", "Cc"] "billing" { fileinto "Billing"; stop; }
if header :matches "Subject" "*[SPAM]*" { fileinto "Junk"; stop; }
if header :matches "Subject" "*invoice*" { fileinto :create "Invoices"; stop; }
if header :contains "Subject" ["lottery", "winner", "prize"] { discard; stop; }
if anyof (header :contains "X-Mailer" "BulkMailer", header :is "Precedence" "bulk") {
  fileinto "Bulk"; stop;
}
if envelope :domain :is "from" "bounces.example.com" { fileinto "Bounces"; stop; }
if size :over 10M { fileinto :create "Large"; stop; }
if address :domain :matches "From" "*.example.edu" { fileinto :create "School"; stop; }
if header :is "X-Priority" "1" { fileinto :copy "Important"; }
if allof (address :is "To" "me@example.net", header :contains "Subject" "family") {
  fileinto :create "Family"; stop;
}
if header :contains "Received" "mail.partner.example" { fileinto :create "Partners"; stop; }
if header :is "X-Spam" "Yes" { fileinto "Junk"; stop; }
if header :matches "From" "*noreply*" { fileinto :create "Notifications"; stop; }
if address :all :is "Reply-To" "support@example.org" { fileinto :create "Support"; stop; }
