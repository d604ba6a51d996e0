#include "proof/note.h"

#include <gtest/gtest.h>

#include "proof/checkpoint.h"
#include "proof/merkle.h"

namespace twoline::proof {
namespace {

// The key pair and signed note of Go's golang.org/x/mod/sumdb/note tests: Ed25519 signatures are
// deterministic, so signing the same text with the same key must give the same note byte for byte.
constexpr std::string_view kGoVerifierKey =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr std::string_view kGoSignerKey =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr std::string_view kGoText =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
constexpr std::string_view kGoNote =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
    "\n"
    "\xE2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/"
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

TEST(NoteTest, ParsesGoKeysAndReproducesGoSignatureByteForByte) {
  auto verifier = ParseVerifierKey(kGoVerifierKey);
  ASSERT_TRUE(verifier.ok()) << verifier.error().message;
  EXPECT_EQ(verifier->name, "PeterNeumann");
  EXPECT_EQ(verifier->key_id, 0xc74f20a3u);
  EXPECT_EQ(FormatVerifierKey(*verifier), kGoVerifierKey);

  auto signer = ParseSignerKey(kGoSignerKey);
  ASSERT_TRUE(signer.ok()) << signer.error().message;
  EXPECT_EQ(FormatSignerKey(*signer), kGoSignerKey);
  EXPECT_EQ(FormatVerifierKey(VerifierOf(*signer)), kGoVerifierKey);

  auto note = SignNote(kGoText, *signer);
  ASSERT_TRUE(note.ok()) << note.error().message;
  EXPECT_EQ(*note, kGoNote);

  NoteVerifier verifiers[] = {*verifier};
  auto opened = OpenNote(kGoNote, verifiers);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(opened->text, kGoText);
  EXPECT_EQ(opened->verified_by, std::vector<std::string>{"PeterNeumann"});
}

TEST(NoteTest, MangledVerifierKeysAreRejected) {
  std::string key(kGoVerifierKey);
  for (size_t i = 0; i < key.size(); ++i) {
    std::string mangled = key;
    ++mangled[i];
    EXPECT_FALSE(ParseVerifierKey(mangled).ok()) << mangled;
    EXPECT_FALSE(ParseVerifierKey(key.substr(0, i)).ok()) << key.substr(0, i);
  }
  EXPECT_NE(ParseVerifierKey(kGoSignerKey).error().message.find("private key"), std::string::npos);
  EXPECT_NE(ParseSignerKey(kGoVerifierKey).error().message.find("PRIVATE+KEY+"), std::string::npos);
  // Right format, wrong id for this name and key.
  EXPECT_NE(ParseVerifierKey("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
                .error()
                .message.find("does not belong"),
            std::string::npos);
}

TEST(NoteTest, GeneratedKeysRoundTripAndSign) {
  auto signer = GenerateNoteSigner("customs.example/hengqin");
  ASSERT_TRUE(signer.ok()) << signer.error().message;
  auto parsed = ParseSignerKey(FormatSignerKey(*signer));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->seed, signer->seed);
  auto verifier = ParseVerifierKey(FormatVerifierKey(VerifierOf(*signer)));
  ASSERT_TRUE(verifier.ok());
  auto note = SignNote("hello\n", *parsed);
  ASSERT_TRUE(note.ok());
  NoteVerifier verifiers[] = {*verifier};
  EXPECT_TRUE(OpenNote(*note, verifiers).ok());
  EXPECT_FALSE(GenerateNoteSigner("two words").ok());
  EXPECT_FALSE(GenerateNoteSigner("a+b").ok());
  EXPECT_FALSE(GenerateNoteSigner("").ok());
  EXPECT_FALSE(GenerateNoteSigner("no\xC2\xA0"
                                  "break")
                   .ok());  // U+00A0 is a space
}

TEST(NoteTest, EachFailureIsNamed) {
  auto signer = *ParseSignerKey(kGoSignerKey);
  NoteVerifier verifiers[] = {VerifierOf(signer)};
  auto message = [&](std::string_view note) {
    auto opened = OpenNote(note, verifiers);
    return opened.ok() ? std::string("ok") : opened.error().message;
  };
  std::string note(kGoNote);

  std::string altered = note;
  altered.replace(altered.find("cryptography"), 12, "cryptographY");
  EXPECT_EQ(message(altered).rfind("wrong signature:", 0), 0u) << message(altered);

  std::string forged = note;
  forged[forged.size() - 10] = forged[forged.size() - 10] == 'A' ? 'B' : 'A';
  EXPECT_EQ(message(forged).rfind("wrong signature:", 0), 0u) << message(forged);

  auto other = *GenerateNoteSigner("PeterNeumann");
  std::string by_other = *SignNote(kGoText, other);
  EXPECT_EQ(message(by_other).rfind("unknown key:", 0), 0u) << message(by_other);
  EXPECT_NE(message(by_other).find("known: PeterNeumann+c74f20a3"), std::string::npos);

  EXPECT_EQ(message(kGoText).rfind("malformed note:", 0), 0u);  // no signatures
  EXPECT_EQ(message(note + "junk\n").rfind("malformed note:", 0), 0u);
  EXPECT_EQ(message(note.substr(0, note.size() - 1)).rfind("malformed note:", 0), 0u);
  std::string bad_base64 = note;
  bad_base64.insert(bad_base64.size() - 2, "!");
  EXPECT_EQ(message(bad_base64).rfind("malformed note:", 0), 0u);
  EXPECT_EQ(message(std::string("a\x01") + note).rfind("malformed note:", 0), 0u);
  EXPECT_EQ(message("\xFF" + note).rfind("malformed note:", 0), 0u);

  // An unknown signature beside a known one is ignored.
  std::string cosigned = note + by_other.substr(by_other.rfind("\n\n") + 2);
  EXPECT_EQ(message(cosigned), "ok");
  EXPECT_FALSE(SignNote("no newline", signer).ok());
}

TEST(CheckpointTest, FormatsAndParsesTheC2spLayout) {
  Checkpoint checkpoint{"twoline/hengqin", 8, {}, {}};
  ASSERT_TRUE(FromHex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
                      &checkpoint.root));
  std::string text = FormatCheckpointText(checkpoint);
  EXPECT_EQ(text, "twoline/hengqin\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n");
  auto parsed = ParseCheckpointText(text);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->origin, checkpoint.origin);
  EXPECT_EQ(parsed->size, 8u);
  EXPECT_EQ(parsed->root, checkpoint.root);
  auto extended = ParseCheckpointText(text + "extension\n");
  ASSERT_TRUE(extended.ok());
  EXPECT_EQ(extended->extensions, std::vector<std::string>{"extension"});

  const char* malformed[] = {
      "twoline/hengqin\n8\n",
      "twoline/hengqin\n08\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
      "twoline/hengqin\n-8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
      "twoline/hengqin\n18446744073709551616\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
      "twoline/hengqin\n8\nXcnaeacGWamtVZy3Ad7Zoqudgjqtl0lgz+Nw7/RgQ==\n",
      "twoline/hengqin\n8\nXcnaeacGWamtVZy3Ad7Zoqudgjqtl0lgz+Nw7/RgQyg=",
      "\n8\nXcnaeacGWamtVZy3Ad7Zoqudgjqtl0lgz+Nw7/RgQyg=\n",
      "twoline/hengqin\n8\nXcnaeacGWamtVZy3Ad7Zoqudgjqtl0lgz+Nw7/RgQyg=\n\n",
  };
  for (const char* text : malformed) {
    auto result = ParseCheckpointText(text);
    ASSERT_FALSE(result.ok()) << text;
    EXPECT_EQ(result.error().message.rfind("malformed checkpoint:", 0), 0u)
        << result.error().message;
  }
  EXPECT_TRUE(
      ParseCheckpointText("o\n18446744073709551615\nXcnaeacGWamtVZy3Ad7Zoqudgjqtl0lgz+Nw7/RgQyg=\n")
          .ok());
  EXPECT_TRUE(ParseCheckpointText("o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n").ok());
}

TEST(CheckpointTest, SignedCheckpointsOpenOnlyWithTheRightKeyAndOrigin) {
  auto signer = *GenerateNoteSigner("twoline/hengqin");
  NoteVerifier verifiers[] = {VerifierOf(signer)};
  Checkpoint checkpoint{"twoline/hengqin", 1, HashLeaf("x"), {}};
  auto note = SignCheckpoint(checkpoint, signer);
  ASSERT_TRUE(note.ok()) << note.error().message;
  auto opened = OpenCheckpoint(*note, verifiers, "twoline/hengqin");
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(opened->checkpoint.root, checkpoint.root);
  EXPECT_EQ(opened->verified_by, std::vector<std::string>{"twoline/hengqin"});

  auto wrong_origin = OpenCheckpoint(*note, verifiers, "twoline/qianhai");
  ASSERT_FALSE(wrong_origin.ok());
  EXPECT_EQ(wrong_origin.error().message.rfind("wrong origin:", 0), 0u);

  std::string bigger = *note;
  bigger.replace(bigger.find("\n1\n"), 3, "\n2\n");
  EXPECT_EQ(OpenCheckpoint(bigger, verifiers, "").error().message.rfind("wrong signature:", 0), 0u);

  auto stranger = *GenerateNoteSigner("twoline/hengqin");
  NoteVerifier strangers[] = {VerifierOf(stranger)};
  EXPECT_EQ(OpenCheckpoint(*note, strangers, "").error().message.rfind("unknown key:", 0), 0u);
  EXPECT_FALSE(SignCheckpoint(Checkpoint{"has space", 1, {}, {}}, signer).ok());
}

}  // namespace
}  // namespace twoline::proof
