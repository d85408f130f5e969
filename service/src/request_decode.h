// Private: the one request-decoding path Server and ParseRawRequest share, so the fuzz target
// exercises exactly what a socket feeds.
#ifndef SIGNET_SERVICE_SRC_REQUEST_DECODE_H_
#define SIGNET_SERVICE_SRC_REQUEST_DECODE_H_

#include <boost/beast/http.hpp>

#include "signet/service/config.h"
#include "signet/service/http.h"

namespace signet::service::internal {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// ConfigureParser applies the limits: header_limit = max_header (431 on excess), body_limit =
// max_body (Beast checks Content-Length against it while parsing the header, and the running
// total while reading chunks: 413).
void ConfigureParser(RequestParser& parser, const Limits& limits);

// StatusForParseError maps a Beast parse error to the status the client gets and our code:
// header_limit 431, body_limit 413, everything else 400.
int StatusForParseError(const boost::beast::error_code& ec, std::string_view* code);

// BodyTooLarge reports whether the parsed header already announces a body over the limit
// (Content-Length > max_body). Used before 100-continue and before reading the body.
bool BodyTooLarge(const RequestParser& parser, const Limits& limits);

// DecodeRequest turns a complete Beast message into a Request: origin-form target split into
// path and query (else 400), media type of Content-Type, X-Request-Id (valid, else generated).
// On success `out->status` is 0.
void DecodeRequest(const BeastRequest& message, ParsedRequest* out);

}  // namespace signet::service::internal

#endif  // SIGNET_SERVICE_SRC_REQUEST_DECODE_H_
