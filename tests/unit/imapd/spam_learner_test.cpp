// Which IMAP moves and copies teach the spam filter what (imapd/imap/spam_learner.h).
#include "imap/spam_learner.h"

#include <gtest/gtest.h>

namespace mailsuite::imapd {
namespace {

TEST(SpamLearnVerdict, IntoJunkIsSpamOutOfJunkIsHamButNotToTrash) {
  SpamLearner::Verdict v;
  ASSERT_TRUE(LearnVerdictFor("", "\\Junk", &v));
  EXPECT_EQ(v, SpamLearner::Verdict::kSpam);
  ASSERT_TRUE(LearnVerdictFor("\\Archive", "\\Junk", &v));
  EXPECT_EQ(v, SpamLearner::Verdict::kSpam);
  ASSERT_TRUE(LearnVerdictFor("\\Junk", "", &v));
  EXPECT_EQ(v, SpamLearner::Verdict::kHam);
  ASSERT_TRUE(LearnVerdictFor("\\Junk", "\\Archive", &v));
  EXPECT_EQ(v, SpamLearner::Verdict::kHam);
  EXPECT_FALSE(LearnVerdictFor("\\Junk", "\\Trash", &v)) << "deleting spam says nothing";
  EXPECT_FALSE(LearnVerdictFor("\\Junk", "\\Junk", &v));
  EXPECT_FALSE(LearnVerdictFor("", "\\Trash", &v));
  EXPECT_FALSE(LearnVerdictFor("", "", &v));
}

}  // namespace
}  // namespace mailsuite::imapd
