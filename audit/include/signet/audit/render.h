// Renderers of an audit Report: report.json (RFC 8785 canonical JSON, so its SHA-256 is stable)
// and report.html (one self-contained page: inline CSS and an inline SVG chart, no script, no
// external URL; a Content-Security-Policy of default-src 'none' says so to the browser). Every
// string that came from an input is escaped for its HTML context.
#ifndef SIGNET_AUDIT_RENDER_H_
#define SIGNET_AUDIT_RENDER_H_

#include <string>
#include <string_view>

#include "signet/audit/audit.h"
#include "signet/core/json.h"
#include "signet/core/result.h"

namespace signet::audit {

// ReportToJson builds the JSON model of `report` (the schema is in audit/ARCHITECTURE.md).
JsonValue ReportToJson(const Report& report);

// RenderJson is WriteCanonicalJson(ReportToJson(report)). Fails only when a number has no
// canonical form (never for a report).
Result<std::string> RenderJson(const Report& report);

// RenderHtml renders report.html.
std::string RenderHtml(const Report& report);

// HtmlEscape escapes & < > " ' for text and double- or single-quoted attribute values.
std::string HtmlEscape(std::string_view text);

}  // namespace signet::audit

#endif  // SIGNET_AUDIT_RENDER_H_
