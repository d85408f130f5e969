// ak.json: moved whole from ops/src/cmd_attest.cc (issue 13 part 1).
#include "signet/attester/ak_file.h"

#include <cstddef>
#include <string>
#include <utility>

#include "signet/attestation/tpm_structs.h"
#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/ossl.h"

namespace signet::attester {
namespace {

namespace att = signet::attestation;

// AkNameOf parses a TPM2B_PUBLIC and returns its Name, or kInvalidArgument.
Result<Bytes> AkNameOf(ByteView public_area, const std::string& path) {
  auto pub = att::ParseTpm2bPublic(public_area);
  if (!pub.ok()) return InvalidArgument(path + ": the AK public area does not parse");
  auto name = att::ComputeName(*pub);
  if (!name.ok()) return InvalidArgument(path + ": the AK public area has no usable Name");
  return std::move(name).value();
}

}  // namespace

std::string SerializeAkFile(const AkFile& f) {
  JsonValue v = JsonValue::MakeObject();
  v.Set("version", JsonValue::String(kAkFileVersion));
  v.Set("algorithm", JsonValue::String(std::string(SignatureAlgorithmName(f.ak.algorithm))));
  v.Set("ak_public", JsonValue::String(Base64Encode(f.ak.public_area)));
  v.Set("ak_private", JsonValue::String(Base64Encode(f.ak.private_area)));
  v.Set("ak_name", JsonValue::String(HexEncode(f.ak.name)));
  v.Set("ek_certificate", JsonValue::String(Base64Encode(f.ek_certificate)));
  return WriteJson(v, 2) + "\n";
}

Result<Bytes> B64Member(const JsonValue& v, std::string_view key, const std::string& path) {
  auto s = v.GetString(key);
  if (!s.ok()) return InvalidArgument(path + ": member \"" + std::string(key) + "\" is missing");
  auto b = Base64Decode(*s);
  if (!b.ok()) return InvalidArgument(path + ": member \"" + std::string(key) + "\" is not base64");
  return std::move(b).value();
}

Result<JsonValue> ParseAkJson(const std::string& path) {
  SIGNET_ASSIGN_OR_RETURN(std::string text, ReadFile(path, kMaxAkFileBytes));
  auto v = ParseJson(text);
  if (!v.ok() || !v->is_object()) return InvalidArgument(path + " is not a JSON object");
  auto version = v->GetString("version");
  if (!version.ok() || *version != kAkFileVersion) {
    return InvalidArgument("not a signet AK file: " + path);
  }
  return std::move(v).value();
}

Result<AkFile> LoadAkFile(const std::string& path) {
  SIGNET_ASSIGN_OR_RETURN(JsonValue v, ParseAkJson(path));
  for (const auto& [key, value] : v.object()) {
    if (key != "version" && key != "algorithm" && key != "ak_public" && key != "ak_private" &&
        key != "ak_name" && key != "ek_certificate" && key != "enrollment") {
      return InvalidArgument(path + ": unexpected member \"" + key + "\"");
    }
  }
  AkFile f;
  auto alg = v.GetString("algorithm");
  if (!alg.ok()) return InvalidArgument(path + ": member \"algorithm\" is missing");
  auto parsed_alg = fw::ParseAttestationKeyAlgorithm(*alg);
  if (!parsed_alg.ok()) return InvalidArgument(path + ": unknown AK algorithm");
  f.ak.algorithm = *parsed_alg;
  SIGNET_ASSIGN_OR_RETURN(f.ak.public_area, B64Member(v, "ak_public", path));
  SIGNET_ASSIGN_OR_RETURN(f.ak.private_area, B64Member(v, "ak_private", path));
  SIGNET_ASSIGN_OR_RETURN(f.ek_certificate, B64Member(v, "ek_certificate", path));
  auto name_hex = v.GetString("ak_name");
  if (!name_hex.ok()) return InvalidArgument(path + ": member \"ak_name\" is missing");
  auto name = HexDecode(*name_hex);
  if (!name.ok()) return InvalidArgument(path + ": member \"ak_name\" is not lowercase hex");
  f.ak.name = std::move(name).value();
  SIGNET_ASSIGN_OR_RETURN(Bytes computed, AkNameOf(f.ak.public_area, path));
  if (computed != f.ak.name) {
    return InvalidArgument(path + ": ak_name does not match the AK public area");
  }
  auto pub = att::ParseTpm2bPublic(f.ak.public_area);
  const bool type_ok = (f.ak.algorithm == SignatureAlgorithm::kEcdsaP256Sha256 &&
                        pub->type == att::kTpmAlgEcc) ||
                       (f.ak.algorithm == SignatureAlgorithm::kRsa2048Pkcs1Sha256 && pub->type == att::kTpmAlgRsa);
  if (!type_ok) return InvalidArgument(path + ": the AK public area is not a " + *alg + " key");
  const Bytes& priv = f.ak.private_area;
  if (priv.size() < 3 || (static_cast<size_t>(priv[0]) << 8 | priv[1]) != priv.size() - 2) {
    return InvalidArgument(path + ": ak_private is not a TPM2B_PRIVATE");
  }
  if (!ossl::ParseCertificateDer(f.ek_certificate).ok()) {
    (void)ossl::DrainErrors();
    return InvalidArgument(path + ": ek_certificate is not a DER certificate");
  }
  return f;
}

Bytes TrimDer(const Bytes& der) {
  if (der.size() < 4 || der[0] != 0x30) return der;
  size_t len = 0, hdr = 0;
  if (der[1] < 0x80) {
    len = der[1];
    hdr = 2;
  } else if (der[1] == 0x81) {
    len = der[2];
    hdr = 3;
  } else if (der[1] == 0x82) {
    len = (static_cast<size_t>(der[2]) << 8) | der[3];
    hdr = 4;
  } else {
    return der;
  }
  if (hdr + len > der.size()) return der;
  for (size_t i = hdr + len; i < der.size(); ++i) {
    if (der[i] != 0 && der[i] != 0xff) return der;  // not padding: let the parser refuse it
  }
  return Bytes(der.begin(), der.begin() + static_cast<std::ptrdiff_t>(hdr + len));
}

}  // namespace signet::attester
