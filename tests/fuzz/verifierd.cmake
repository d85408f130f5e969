# verifierd request decoding: /v1/verify bodies and AdmissionReviews.
signet_fuzz_target(verifierd_request DEPS signet::verifierd)
