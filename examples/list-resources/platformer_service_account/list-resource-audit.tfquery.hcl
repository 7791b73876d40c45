# An audit: the organization-level accounts whose token expires within a week (or has
# expired), among those whose name starts with "ci-".
list "platformer_service_account" "expiring" {
  provider = platformer
  limit    = 50
  config {
    name_prefix          = "ci-"
    token_expires_within = "7d"
  }
}
