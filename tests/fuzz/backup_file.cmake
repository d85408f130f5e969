# `signet backup restore`: the reading of DIR/backup/<label>.json (issue 17).
signet_fuzz_target(backup_file DEPS signet::ops)
target_include_directories(backup_file_fuzz PRIVATE ${PROJECT_SOURCE_DIR}/ops/src)
