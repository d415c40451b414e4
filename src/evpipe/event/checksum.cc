// SHA-256 of payload bytes as lowercase hex, through OpenSSL.
#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>

#include "evpipe/event/event.h"

namespace evpipe::event {
namespace {

// One fetched digest and one context per thread: OpenSSL 3's implicit fetch in
// the one-shot helpers costs more than hashing a 300-byte payload.
class Sha256Context {
 public:
  Sha256Context() : md_(EVP_MD_fetch(nullptr, "SHA256", nullptr)), ctx_(EVP_MD_CTX_new()) {
    if (md_ == nullptr || ctx_ == nullptr) {
      std::fprintf(stderr, "evpipe: OpenSSL has no SHA-256\n");
      std::abort();
    }
  }
  ~Sha256Context() {
    EVP_MD_CTX_free(ctx_);
    EVP_MD_free(md_);
  }
  Sha256Context(const Sha256Context&) = delete;
  Sha256Context& operator=(const Sha256Context&) = delete;

  void Digest(std::string_view bytes, unsigned char out[32]) {
    unsigned int len = 0;
    if (EVP_DigestInit_ex2(ctx_, md_, nullptr) != 1 ||
        EVP_DigestUpdate(ctx_, bytes.data(), bytes.size()) != 1 ||
        EVP_DigestFinal_ex(ctx_, out, &len) != 1 || len != 32) {
      std::fprintf(stderr, "evpipe: SHA-256 failed\n");
      std::abort();
    }
  }

 private:
  EVP_MD* md_;
  EVP_MD_CTX* ctx_;
};

}  // namespace

void Sha256HexTo(std::string_view bytes, char out[64]) {
  static constexpr char kHex[] = "0123456789abcdef";
  thread_local Sha256Context context;
  unsigned char digest[32];
  context.Digest(bytes, digest);
  for (int i = 0; i < 32; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 15];
  }
}

std::string Sha256Hex(std::string_view bytes) {
  std::string s(64, '\0');
  Sha256HexTo(bytes, s.data());
  return s;
}

void SetChecksum(Event* e) {
  if (!e->checksum) e->checksum.emplace();
  e->checksum->resize(64);
  Sha256HexTo(e->payload, e->checksum->data());
}

}  // namespace evpipe::event
