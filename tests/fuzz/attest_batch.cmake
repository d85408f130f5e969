# The attestation endpoint (issue 14): the POST /v1/attestation request body, the response a
# client parses (evidence + batch proof), and the batch check. Seeds: a swtpm evidence seed
# wrapped as a batch answer, and request bodies.
signet_fuzz_target(attest_batch DEPS signet::attester signet::attestation signet::service signet::core)
