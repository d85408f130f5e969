# signet audit's cluster inputs (audit/inputs.h): what kubectl prints, and rendered manifests.
# The committed kubectl/helm fixtures of the integration test are seeds too (read in place).
set(signet_audit_fixtures ${PROJECT_SOURCE_DIR}/tests/integration/audit/fixtures)
signet_fuzz_target(audit_pods DEPS signet::audit
  SEEDS ${signet_audit_fixtures}/pods.json ${signet_audit_fixtures}/rendered)
signet_fuzz_target(audit_webhooks DEPS signet::audit SEEDS ${signet_audit_fixtures}/vwc.json)
